import { randomBytes } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Notification } from '../../shared/protocol/index.ts';
import { KeyedSerialQueue } from '../chat/serialQueue.ts';
import { createLogger } from '../log.ts';
import type { ProducerAppData } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';
import type { ClusterBus } from './bus.ts';
import { channels } from './keys.ts';
import type { BusMessage, OutgoingBusMessage } from './messages.ts';
import { PresenceRepair } from './presenceRepair.ts';
import { RemotePeers } from './remotePeers.ts';
import { joinsMeetingAcrossServers } from './sharedAccess.ts';
import { currentQualities, qualityAnnouncement } from './remoteQuality.ts';
import { ServerLink, type ExportChange, type LinkOptions } from './serverLink.ts';
import { SharedFileLinks } from './sharedFileLinks.ts';

const log = createLogger('cluster');

/** This server's end of the link to one other server for this room. */
export type LinkEnd = {
  serverId: string;
  /** Names this link in every message about it: messages about an older link are dropped. */
  id: string;
  link: Promise<ServerLink>;
  ready: boolean;
  /** Our producers sent through it (an export is announced once). */
  exported: Set<string>;
};

type Inbound = Extract<BusMessage, { room: string }>;

/**
 * One room open on this server as part of the service: its people on the other servers (presence over the room's
 * bus channel), and the media links to those servers (negotiated over each server's own channel, offered by the
 * smaller server id so there is one per pair), through which each server sends all its people's producers to the
 * other. Everything from one server about this room is handled in arrival order, and everything this server
 * publishes about it goes out in order, so a producer is never announced before its owner, nor after their leaving.
 */
export class SharedRoom {
  readonly room: Room;
  readonly remote: RemotePeers;
  readonly #bus: ClusterBus;
  readonly #options: LinkOptions;
  readonly #links = new Map<string, LinkEnd>();
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
    this.#options = options;
    // Refused while Redis is away: the bus subscribes again once it is back, and the room resyncs then.
    this.#subscribed = subscribed.catch(() => {});
    room.remote = this.remote;
    this.#files = new SharedFileLinks(room, this.remote, {
      end: (serverId, linkId) => (linkId === undefined ? this.#links.get(serverId) : this.#end(serverId, linkId)),
      publishTo: (serverId, message) => this.#publishTo(serverId, message),
    });
    this.#repair = new PresenceRepair({
      room,
      remote: this.remote,
      link: (serverId) => this.#links.get(serverId),
      offersTo: (serverId) => this.#bus.serverId < serverId,
      answer: () => this.announce(true),
      ensureLink: (serverId) => this.#ensureLink(serverId),
      dropLink: (serverId) => this.#dropLink(serverId),
      exportAgain: (end, producer) => this.#export(end, producer, true),
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
    for (const serverId of [...this.#links.keys()]) this.#repair.link(serverId);
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
    for (const serverId of [...this.#links.keys()]) this.#dropLink(serverId);
  }

  /** A message from another server about this room: handled after everything it sent before. */
  receive(message: Inbound): void {
    void this.#queue.run(`from:${message.from}`, () => this.#handle(message)).catch((error: unknown) => {
      log.warn('message from another server not handled', { room: this.room.id, from: message.from, kind: message.kind, error });
    });
  }

  /** The other servers this room has people from, or a link to. */
  otherServers(): Set<string> {
    return new Set([...this.#links.keys(), ...this.remote.servers()]);
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
        if (producer) for (const end of this.#links.values()) if (end.ready) this.#export(end, producer);
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
        this.#ensureLink(from);
        return;
      case 'roomResync':
      case 'linkExports':
        return this.#repair.receive(message);
      case 'peerJoined':
        this.remote.joined(from, message.peer);
        this.#ensureLink(from);
        return;
      case 'peerLeft':
        return this.remote.left(from, message.peerId);
      case 'peerConnection':
        return this.remote.connectionChanged(from, message.peerId, message.connected);
      case 'peerQuality':
        return this.remote.qualityChanged(from, message.peerId, message.quality);
      case 'roomLeft':
        return this.#forget(from);
      case 'linkOffer': {
        this.#dropLink(from);
        const end = this.#openLink(from, message.link);
        const link = await end.link;
        await link.connect(message.endpoint);
        this.#publishTo(from, { kind: 'linkAnswer', room: this.room.id, link: end.id, endpoint: link.endpoint });
        return this.#ready(end);
      }
      case 'linkAnswer': {
        const end = this.#end(from, message.link);
        if (!end || end.ready) return;
        await (await end.link).connect(message.endpoint);
        return this.#ready(end);
      }
      case 'producerExported': {
        const end = this.#end(from, message.link);
        if (!end) return;
        const { producerId, kind, rtpParameters, paused, peerId, source } = message.producer;
        const known = this.remote.producer(producerId);
        if (known) return this.#mirrorPause(end, known, paused); // announced again (a resync): its pause may be news
        const link = await end.link;
        const producer = (await link.importProducer({
          producerId,
          kind,
          rtpParameters: rtpParameters as types.RtpParameters,
          paused,
          appData: { peerId, source },
        })) as types.Producer<ProducerAppData>;
        return this.remote.imported(from, producer);
      }
      case 'producerPaused': {
        const end = this.#end(from, message.link);
        const producer = this.remote.producer(message.producerId);
        if (end && producer) await this.#mirrorPause(end, producer, message.paused);
        return;
      }
      case 'producerUnexported': {
        const end = this.#end(from, message.link);
        if (end) await (await end.link).apply({ kind: 'closed', producerId: message.producerId });
        return;
      }
      case 'fileLinkExported':
      case 'fileLinkUnexported':
      case 'fileLinkReady':
        return this.#files.receive(message);
      default:
        return;
    }
  }

  async #mirrorPause(end: LinkEnd, producer: types.Producer<ProducerAppData>, paused: boolean): Promise<void> {
    if (producer.paused === paused) return;
    await (await end.link).apply({ kind: 'paused', producerId: producer.id, paused });
    this.remote.pausedChanged(producer);
  }

  /** The smaller id offers: one link per pair of servers, whoever heard of the other first. */
  #ensureLink(serverId: string): void {
    if (this.#links.has(serverId) || this.#bus.serverId >= serverId) return;
    const end = this.#openLink(serverId, randomBytes(12).toString('base64url'));
    end.link.then(
      (link) => this.#publishTo(serverId, { kind: 'linkOffer', room: this.room.id, link: end.id, endpoint: link.endpoint }),
      () => {},
    );
  }

  #openLink(serverId: string, id: string): LinkEnd {
    const end: LinkEnd = { serverId, id, link: ServerLink.open(this.room.routers.home.router, this.#options), ready: false, exported: new Set() };
    this.#links.set(serverId, end);
    end.link.then(
      (link) => {
        link.on('change', (change) => this.#changed(end, change));
        link.once('close', () => {
          if (this.#links.get(serverId) === end) this.#links.delete(serverId);
        });
        if (this.#links.get(serverId) !== end || this.room.closed) link.close();
      },
      (error: unknown) => {
        if (this.#links.get(serverId) === end) this.#links.delete(serverId);
        if (!this.room.closed) log.warn('media link to another server not opened', { room: this.room.id, server: serverId, error });
      },
    );
    return end;
  }

  /** Connected both ways: everything our people produce goes through it. */
  #ready(end: LinkEnd): void {
    end.ready = true;
    log.info('media link to another server up', { room: this.room.id, server: end.serverId });
    for (const peer of this.room.peers.values()) for (const producer of peer.producers.values()) this.#export(end, producer);
    this.#files.linkReady(end);
  }

  /** `again`: announced even if it was (a resync). */
  #export(end: LinkEnd, producer: types.Producer<ProducerAppData>, again = false): void {
    this.#outbound(async () => {
      if ((end.exported.has(producer.id) && !again) || producer.closed || this.#links.get(end.serverId) !== end) return;
      const { peerId, source } = producer.appData;
      // The link is on the home router: a producer on another worker's router is piped there first.
      await this.room.routers.pipe('media', producer.id, this.room.routers.of(peerId).router, this.room.routers.home.router);
      const exported = await (await end.link).exportProducer(producer.id, { peerId, source });
      end.exported.add(producer.id);
      const { producerId, kind, rtpParameters, paused } = exported;
      const message = { kind: 'producerExported', room: this.room.id, link: end.id, producer: { producerId, kind, rtpParameters, paused, peerId, source } } as const;
      await this.#bus.publish(channels.server(end.serverId), message);
    });
  }

  /** One of our exports paused, resumed or closed: the other end mirrors it on its copy. */
  #changed(end: LinkEnd, change: ExportChange): void {
    if (change.kind === 'dataClosed') return this.#files.dataClosed(end, change.dataProducerId);
    const base = { room: this.room.id, link: end.id, producerId: change.producerId };
    if (change.kind === 'closed') end.exported.delete(change.producerId);
    this.#publishTo(
      end.serverId,
      change.kind === 'closed' ? { kind: 'producerUnexported', ...base } : { kind: 'producerPaused', ...base, paused: change.paused },
    );
  }

  #end(serverId: string, linkId: string): LinkEnd | undefined {
    const end = this.#links.get(serverId);
    return end?.id === linkId ? end : undefined;
  }

  #forget(serverId: string): void {
    this.#dropLink(serverId);
    this.remote.serverGone(serverId);
  }

  /** Closing our end closes what came through it: our people's consumers of it are told. */
  #dropLink(serverId: string): void {
    const end = this.#links.get(serverId);
    if (!end) return;
    this.#links.delete(serverId);
    void end.link.then((link) => link.close(), () => {});
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
