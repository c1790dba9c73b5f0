import type { Notification } from '../../shared/protocol/index.ts';
import { KeyedSerialQueue } from '../chat/serialQueue.ts';
import { createLogger } from '../log.ts';
import type { Room } from '../sfu/room.ts';
import type { ClusterBus } from './bus.ts';
import { channels } from './keys.ts';
import type { BusMessage, OutgoingBusMessage } from './messages.ts';
import { PresenceRepair } from './presenceRepair.ts';
import { RemotePeers } from './remotePeers.ts';
import { joinsMeetingAcrossServers } from './sharedAccess.ts';
import { currentQualities, qualityAnnouncement } from './remoteQuality.ts';
import { RoomLinks } from './roomLinks.ts';
import type { LinkOptions } from './serverLink.ts';
import { SharedFileLinks } from './sharedFileLinks.ts';

const log = createLogger('cluster');

type Inbound = Extract<BusMessage, { room: string }>;

/**
 * One room open on this server as part of the service: its people on the other servers (presence over the room's
 * bus channel), the media links to those servers (RoomLinks) through which each server sends all its people's
 * producers to the other, and the file links and repair riding on them. Everything from one server about this room is handled in arrival order, and everything this server
 * publishes about it goes out in order, so a producer is never announced before its owner, nor after their leaving.
 */
export class SharedRoom {
  readonly room: Room;
  readonly remote: RemotePeers;
  readonly #bus: ClusterBus;
  readonly #links: RoomLinks;
  /** File links between our people and theirs, through the same links. */
  readonly #files: SharedFileLinks;
  /** Inbound by sending server; outbound under one key. */
  readonly #queue = new KeyedSerialQueue();
  /** Settles once this server listens to the room's channel (or could not: see below): answers must not be missed. */
  readonly #subscribed: Promise<unknown>;
  /** Told the others who is here (the first person is in): from then on it hears them. */
  #announced = false;
  #closed = false;
  readonly #repair: PresenceRepair;

  constructor(room: Room, bus: ClusterBus, options: LinkOptions, subscribed: Promise<unknown>) {
    this.room = room;
    this.remote = new RemotePeers(room);
    this.#bus = bus;
    // Refused while Redis is away: the bus subscribes again once it is back, and the room resyncs then.
    this.#subscribed = subscribed.catch(() => {});
    room.remote = this.remote;
    const outbound = (task: () => Promise<unknown>) => this.#outbound(task);
    const links = new RoomLinks({
      room,
      remote: this.remote,
      bus,
      options,
      outbound,
      ready: (end) => files.linkReady(end),
      dataClosed: (end, dataProducerId) => files.dataClosed(end, dataProducerId),
    });
    const files = new SharedFileLinks(room, this.remote, {
      end: (serverId, linkId) => (linkId === undefined ? links.get(serverId) : links.end(serverId, linkId)),
      publishTo: (serverId, message) => this.#publishTo(serverId, message),
    });
    this.#links = links;
    this.#files = files;
    this.#repair = new PresenceRepair({
      room,
      remote: this.remote,
      link: (serverId) => links.get(serverId),
      offersTo: (serverId) => links.offersTo(serverId),
      answer: () => this.announce(true),
      ensureLink: (serverId) => links.ensure(serverId),
      dropLink: (serverId) => links.drop(serverId),
      exportAgain: (end, producer) => links.export(end, producer, true),
      publishTo: (serverId, message) => this.#outbound(() => this.#bus.publish(channels.server(serverId), message())),
    });
  }

  /**
   * Says who is here, and (not an answer) asks the others for their people. Only once the first person is in, when
   * the room's meeting is known: one that is not the meeting running across the service (see sharedAccess.ts) says
   * nothing and hears nothing.
   */
  announce(answer = false): void {
    if (!this.#shared) return;
    this.#announced = true;
    this.#sayWhoIsHere({ kind: 'roomPresence', answer });
  }

  /** This server may have missed what the others said (its bus connection came back): see presenceRepair.ts. */
  resync(): void {
    if (this.#closed || !this.#announced || !this.#shared) return;
    this.#sayWhoIsHere({ kind: 'roomResync' });
    for (const serverId of this.#links.servers()) this.#repair.link(serverId);
  }

  #sayWhoIsHere(kind: { kind: 'roomPresence'; answer: boolean } | { kind: 'roomResync' }): void {
    const peers = [...this.room.peers.values()].map((peer) => ({ id: peer.id, name: peer.name, connected: peer.connected }));
    this.#outbound(async () => {
      await this.#subscribed;
      await this.#bus.publish(channels.room(this.room.id), { ...kind, room: this.room.id, peers });
      for (const message of currentQualities(this.room)) await this.#bus.publish(channels.room(this.room.id), message);
    });
  }

  /** Joined to the room of that name on the other servers: it has people, and is the one meeting of its name. */
  get #shared(): boolean {
    return this.room.peers.size > 0 && joinsMeetingAcrossServers(this.room);
  }

  /** The room closed here: the others forget our people and our links. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#announced) this.#publishToRoom({ kind: 'roomLeft', room: this.room.id });
    this.#links.dropAll();
  }

  /** A message from another server about this room: handled after everything it sent before. */
  receive(message: Inbound): void {
    void this.#queue.run(`from:${message.from}`, () => this.#handle(message)).catch((error: unknown) => {
      log.warn('message from another server not handled', { room: this.room.id, from: message.from, kind: message.kind, error });
    });
  }

  /** The other servers this room has people from, or a link to. */
  otherServers(): Set<string> {
    return new Set([...this.#links.servers(), ...this.remote.servers()]);
  }

  /** Another server is gone: its people leave the room here and its link closes. */
  serverGone(serverId: string): void {
    void this.#queue.run(`from:${serverId}`, () => this.#forget(serverId));
  }

  /** What the room told its people about a local person, for the other servers. */
  announced(notification: Notification): void {
    if (!this.#announced) {
      // The first person is in: the whole room (them) is announced at once.
      if (notification.method === 'peerJoined') this.announce();
      return;
    }
    if (!this.#shared) return;
    const room = this.room.id;
    switch (notification.method) {
      case 'peerJoined': {
        const { id, name, connected } = notification.data.peer;
        if (this.room.peers.has(id)) this.#publishToRoom({ kind: 'peerJoined', room, peer: { id, name, connected } });
        break;
      }
      case 'peerLeft':
        if (!this.remote.has(notification.data.peerId)) this.#publishToRoom({ kind: 'peerLeft', room, peerId: notification.data.peerId });
        break;
      case 'peerConnectionChanged':
        this.#publishToRoom({ kind: 'peerConnection', room, ...notification.data });
        break;
      case 'producerAdded': {
        const producer = this.room.peers.get(notification.data.peerId)?.producers.get(notification.data.publication.id);
        if (producer) this.#links.exportToAll(producer);
        break;
      }
      case 'connectionQuality': {
        const message = qualityAnnouncement(this.room, notification);
        if (message) this.#publishToRoom(message);
        break;
      }
      default:
        break; // pauses and ends travel with the link's own change events
    }
  }

  async #handle(message: Inbound): Promise<void> {
    // Before our first announcement nothing is lost: the others answer it with everything they have.
    if (this.#closed || this.room.closed || !this.#announced || !this.#shared) return;
    const from = message.from;
    switch (message.kind) {
      case 'roomPresence':
        // Opened anew there: whatever we had with it in this room belongs to its previous time here.
        if (!message.answer) {
          this.#forget(from);
          this.announce(true);
        }
        this.remote.reconcile(from, message.peers);
        this.#links.ensure(from);
        return;
      case 'roomResync':
      case 'linkExports':
        return this.#repair.receive(message);
      case 'peerJoined':
        this.remote.joined(from, message.peer);
        this.#links.ensure(from);
        return;
      case 'peerLeft':
        return this.remote.left(from, message.peerId);
      case 'peerConnection':
        return this.remote.connectionChanged(from, message.peerId, message.connected);
      case 'peerQuality':
        return this.remote.qualityChanged(from, message.peerId, message.quality);
      case 'roomLeft':
        return this.#forget(from);
      case 'linkOffer':
      case 'linkAnswer':
      case 'producerExported':
      case 'producerPaused':
      case 'producerUnexported':
        return this.#links.receive(message);
      case 'fileLinkExported':
      case 'fileLinkUnexported':
      case 'fileLinkReady':
        return this.#files.receive(message);
      default:
        return;
    }
  }

  #forget(serverId: string): void {
    this.#links.drop(serverId);
    this.remote.serverGone(serverId);
  }

  #publishToRoom(message: OutgoingBusMessage): void {
    this.#outbound(() => this.#bus.publish(channels.room(this.room.id), message));
  }

  #publishTo(serverId: string, message: OutgoingBusMessage): void {
    this.#outbound(() => this.#bus.publish(channels.server(serverId), message));
  }

  #outbound(task: () => Promise<unknown>): void {
    void this.#queue.run('out', task).catch((error: unknown) => {
      if (!this.room.closed) log.warn('could not tell the other servers', { room: this.room.id, error });
    });
  }
}
