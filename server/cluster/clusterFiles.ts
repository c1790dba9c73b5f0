import { ProtocolError, type Notification } from '../../shared/protocol/index.ts';
import { applyFileCall, type FileCall, type TransfersElsewhere } from '../files/elsewhere.ts';
import type { FileParty } from '../files/registry.ts';
import type { TransferState } from '../files/transferState.ts';
import { createLogger } from '../log.ts';
import type { Room } from '../sfu/room.ts';
import type { ClusterBus } from './bus.ts';
import { BusRequests } from './busRequests.ts';
import type { RoomFederation } from './federation.ts';
import { channels } from './keys.ts';
import type { BusMessage, OutgoingBusMessage } from './messages.ts';
import type { RoomListener } from './roomListeners.ts';
import { joinsMeetingAcrossServers } from './sharedAccess.ts';
import type { TransferLocations } from './transferLocations.ts';

const log = createLogger('cluster');

/** What a transfer's registry tells its parties (fileSchemas.ts checks the same on arrival). */
const RELAYED = ['fileOffered', 'fileAnswered', 'fileAcked', 'fileResumeFrom', 'fileCancelled', 'fileDone', 'fileVerified'] as const;
type Relayed = Extract<Notification, { method: (typeof RELAYED)[number] }>;
const relayed = (notification: Notification): notification is Relayed => (RELAYED as readonly string[]).includes(notification.method);

type Inbound<K extends BusMessage['kind']> = Extract<BusMessage, { kind: K }>;

/**
 * File transfers between the people of one room on different servers (docs/scaling.md, "File transfers between
 * servers"). A transfer lives in the registry of the server where its sender last offered it; its location is kept
 * in Redis (TransferLocations). A request about it made on another server is forwarded there and answered over the
 * bus; what its registry tells a party on another server is sent to that server, which tells its own person. A
 * sender offering it again from another server (it reconnected there) moves it there with its state: it lives where
 * its sender is, so a server that goes away takes with it only transfers whose senders come back elsewhere and
 * offer them again.
 *
 * @example
 * const files = new ClusterFiles(cluster.bus, new TransferLocations(redis), federation);
 * await files.start();
 * roomListeners.push(files);
 */
export class ClusterFiles implements RoomListener {
  readonly #bus: ClusterBus;
  readonly #locations: TransferLocations;
  readonly #federation: RoomFederation;
  readonly #requests: BusRequests;
  readonly #rooms = new Map<string, Room>();

  constructor(bus: ClusterBus, locations: TransferLocations, federation: RoomFederation, requestTimeoutMs?: number) {
    this.#bus = bus;
    this.#locations = locations;
    this.#federation = federation;
    this.#requests = new BusRequests(bus, requestTimeoutMs);
  }

  async start(): Promise<void> {
    await this.#bus.subscribe(channels.server(this.#bus.serverId), (message) => this.#receive(message));
  }

  opened(room: Room): void {
    this.#rooms.set(room.id, room);
    room.files.elsewhere = this.#elsewhere(room);
  }

  closed(room: Room): void {
    if (this.#rooms.get(room.id) === room) this.#rooms.delete(room.id);
  }

  #elsewhere(room: Room): TransfersElsewhere {
    return {
      parties: { get: (peerId) => this.#remoteParty(room, peerId) },
      forward: (asker, call) => this.#forward(room, asker, call),
      take: (transferId, senderKey) => this.#take(room, transferId, senderKey),
      held: (transferId, offeredBy) => this.#held(room, transferId, offeredBy),
      partyBack: (peerId) => this.#partyBack(room, peerId),
    };
  }

  async #forward(room: Room, asker: FileParty, call: FileCall): Promise<boolean> {
    const holder = (await this.#elsewhereLocation(room, call.data.transferId))?.server;
    if (!holder) return false;
    const asking = { kind: 'fileRequest', room: room.id, asker: { id: asker.id, name: asker.name }, call } as const;
    const reply = await this.#requests.ask(holder, asking);
    if (reply === 'nobody') return false; // its server is gone: the transfer with it, unless its sender offers it here
    if (reply.error) throw new ProtocolError(reply.error.code, reply.error.message);
    return true;
  }

  /**
   * The transfer's state from the server holding it, for its sender's offer here. Someone else's transfer is refused
   * by its location alone (whether its server is there or not); a holder gone or silent leaves the offer to restore it.
   */
  async #take(room: Room, transferId: string, senderKey: string): Promise<TransferState | undefined> {
    const location = await this.#elsewhereLocation(room, transferId);
    if (!location) return undefined;
    if (location.sender !== senderKey) throw new ProtocolError('not_found', 'No such transfer');
    const releasing = { kind: 'fileRelease', room: room.id, transferId, senderKey } as const;
    const reply = await this.#requests.ask(location.server, releasing).catch((error: unknown) => {
      const context = { room: room.id, transfer: transferId, server: location.server, error };
      log.warn('the server holding a file transfer did not hand it over; its sender’s offer restores it here', context);
      return 'nobody' as const;
    });
    if (reply === 'nobody') return undefined;
    if (reply.error) throw new ProtocolError(reply.error.code, reply.error.message);
    const state = reply.transfer;
    return state?.id === transferId && state.senderKey === senderKey ? state : undefined;
  }

  /** The transfer's location, when another server holds it (never for a room not joined to the other servers). */
  async #elsewhereLocation(room: Room, transferId: string) {
    if (!this.#shared(room)) return undefined;
    const location = await this.#locations.find(room.id, transferId);
    return location && location.server !== this.#bus.serverId ? location : undefined;
  }

  #held(room: Room, transferId: string, offeredBy?: string): void {
    if (!this.#shared(room)) return;
    if (offeredBy) return this.#locations.claim(room.id, transferId, { server: this.#bus.serverId, sender: offeredBy });
    const sender = room.files.senderKeyOf(transferId);
    if (sender) this.#locations.touch(room.id, transferId, { server: this.#bus.serverId, sender });
  }

  /** One of our people is back on a new socket: the servers with transfers of theirs re-send what they missed. */
  #partyBack(room: Room, peerId: string): void {
    if (!this.#shared(room) || !room.peers.has(peerId)) return;
    for (const serverId of this.#remote(room)?.servers() ?? []) this.#publish(serverId, { kind: 'filePartyBack', room: room.id, peerId });
  }

  /** A person of the room on another server, as a party: what they are told goes to their server. */
  #remoteParty(room: Room, peerId: string): FileParty | undefined {
    const info = this.#remote(room)?.party(peerId);
    if (!info || room.peers.has(peerId)) return undefined;
    return { id: info.id, name: info.name, connected: info.connected, notify: (notification) => this.#notify(room, info.serverId, peerId, notification) };
  }

  #notify(room: Room, serverId: string, peerId: string, notification: Notification): void {
    if (relayed(notification)) this.#publish(serverId, { kind: 'fileNotify', room: room.id, peerId, notification });
  }

  #receive(message: BusMessage): void {
    switch (message.kind) {
      case 'fileReply':
        return this.#requests.replied(message);
      case 'fileRequest':
        return this.#answer(message);
      case 'fileRelease':
        return this.#release(message);
      case 'fileNotify':
        return this.#deliver(message);
      case 'filePartyBack':
        return this.#partyCameBack(message);
      default:
        return;
    }
  }

  /** A request of a person on `from`: handled with them as a remote party, never as one of ours or a third server's. */
  #answer({ from, room: roomId, request, asker, call }: Inbound<'fileRequest'>): void {
    const room = this.#sharedRoom(roomId);
    const hostedThere = room && !room.peers.has(asker.id) && (this.#remote(room)?.party(asker.id)?.serverId ?? from) === from;
    if (!room || !hostedThere) {
      if (room) log.warn('file request for a person its server does not have; refused', { room: roomId, server: from, peer: asker.id });
      return this.#reply(from, request, { error: { code: 'not_found', message: 'No such transfer' } });
    }
    const notify = (notification: Notification) => this.#notify(room, from, asker.id, notification);
    const party: FileParty = { id: asker.id, name: asker.name, connected: true, notify };
    try {
      applyFileCall(room.files, party, call);
      this.#held(room, call.data.transferId);
      this.#reply(from, request, {});
    } catch (error) {
      this.#reply(from, request, { error: errorBody(error, roomId) });
    }
  }

  #release({ from, room: roomId, request, transferId, senderKey }: Inbound<'fileRelease'>): void {
    const room = this.#sharedRoom(roomId);
    try {
      const transfer = room?.files.release(transferId, senderKey);
      if (transfer) log.info('file transfer moved to its sender’s server', { room: roomId, transfer: transferId, server: from });
      this.#reply(from, request, transfer ? { transfer } : {});
    } catch (error) {
      this.#reply(from, request, { error: errorBody(error, roomId) });
    }
  }

  /** Only to a person of ours, and only from a server with people in the room. */
  #deliver({ from, room: roomId, peerId, notification }: Inbound<'fileNotify'>): void {
    const room = this.#sharedRoom(roomId);
    if (!room || !this.#remote(room)?.servers().has(from)) return;
    room.peers.get(peerId)?.notify(notification);
  }

  #partyCameBack({ from, room: roomId, peerId }: Inbound<'filePartyBack'>): void {
    const room = this.#sharedRoom(roomId);
    const party = room && this.#remote(room)?.party(peerId)?.serverId === from ? this.#remoteParty(room, peerId) : undefined;
    if (room && party) room.files.peerResumed(party);
  }

  #reply(serverId: string, request: string, answer: Omit<Inbound<'fileReply'>, 'kind' | 'from' | 'request'>): void {
    this.#publish(serverId, { kind: 'fileReply', request, ...answer });
  }

  #publish(serverId: string, message: OutgoingBusMessage): void {
    this.#bus.publish(channels.server(serverId), message).catch((error: unknown) => {
      log.warn('could not tell another server about a file transfer', { server: serverId, kind: message.kind, error });
    });
  }

  #sharedRoom(roomId: string): Room | undefined {
    const room = this.#rooms.get(roomId);
    return room && this.#shared(room) ? room : undefined;
  }

  /** A room not joined to the other servers (its meeting not held here, see docs/scaling.md): its transfers stay here. */
  #shared(room: Room): boolean {
    return !room.closed && joinsMeetingAcrossServers(room);
  }

  #remote(room: Room) {
    const shared = this.#federation.shared(room.id);
    return shared?.room === room ? shared.remote : undefined;
  }
}

function errorBody(error: unknown, roomId: string): { code: ProtocolError['code']; message: string } {
  if (error instanceof ProtocolError) return error.toBody();
  log.error('forwarded file request failed', { room: roomId, error });
  return { code: 'internal', message: 'The server failed; it logged why' };
}
