import { randomBytes } from 'node:crypto';
import type { types } from 'mediasoup';
import {
  KIND_OF_SOURCE,
  ProtocolError,
  type MediaKind,
  type MediaSource,
  type Notification,
  type TransportDirection,
} from '../../shared/protocol/index.ts';
import type { PasswordHash } from '../access/password.ts';
import { RoomAnnotations } from '../annotations/boards.ts';
import { FileLinks } from '../files/links.ts';
import { FileTransfers } from '../files/registry.ts';
import type { FileStats } from '../files/stats.ts';
import { createLogger } from '../log.ts';
import { RoomSpeaker } from './activeSpeaker.ts';
import { consumeIn, type RemotePeople } from './consume.ts';
import { RoomDataChannels, type DataChannelStats, type DataMessage } from './dataChannels.ts';
import type { ConsumerAppData, Peer, ProducerAppData, TransportAppData } from './peer.ts';
import { RoomRouters, type PipeStats } from './roomRouters.ts';
import { createPeerTransport } from './transports.ts';
import type { WorkerPool, WorkerSlot } from './workerPool.ts';

const log = createLogger('room');

/** What the rest of the server hears from rooms (the chat service: history retention and incoming messages). */
export type RoomEvents = {
  opened(room: Room): void;
  closed(room: Room): void;
  /** A peer's data-channel frame; called in arrival order, one at a time. */
  dataMessage(room: Room, message: DataMessage): void;
  /** The chat feed toward someone overflowed and drained again (see DataChannelEvents). */
  feedDrained(room: Room): void;
  /** What the room told its people about its people (`broadcast`): the other servers hosting it follow it. */
  announced?(room: Room, notification: Notification): void;
};

/** What every room of a registry shares. */
export type RoomSettings = {
  events: RoomEvents;
  dataStats: DataChannelStats;
  fileStats: FileStats;
  pipeStats: PipeStats;
  /** mediasoup's SCTP send buffer per transport (SCTP_SEND_BUFFER_SIZE). */
  sctpSendBufferSize: number;
};

/**
 * A meeting's peers and their routers (one per worker they sit on, see RoomRouters). All media operations check that
 * the object belongs to the asking peer.
 */
export class Room {
  readonly id: string;
  /**
   * This meeting, as opposed to the room name, which the next meeting may reuse once this one empties: invites
   * and attempt limits are bound to it. A room recreated for the same meeting (e.g. on a new worker) carries it over;
   * one opened on another server of a service takes the meeting running there (`adoptMeeting`).
   */
  instanceId: string;
  /** The room's routers: the home one (chat feed, speaker observer) and one per other worker its peers sit on. */
  readonly routers: RoomRouters;
  /** Data channels: the room's chat feed and the server's listeners on each peer's chat DataProducer. */
  readonly data: RoomDataChannels;
  /** Who is speaking (mediasoup's ActiveSpeakerObserver over the live microphones), told to everyone. */
  readonly speaker: RoomSpeaker;
  readonly peers = new Map<string, Peer>();
  /** File transfers in progress: their parties and how far each got (the bytes go over `fileLinks`). */
  readonly files: FileTransfers;
  /** `file` DataProducers toward exact sets of peers, forwarded by mediasoup alone. */
  readonly fileLinks: FileLinks;
  /** What people drew on the screens shared here (one board per live share), fanned out on the chat feed. */
  readonly annotations = new RoomAnnotations();
  /** People of this room on other servers of the service: set by server/cluster when it opens here. */
  remote: RemotePeople | undefined;
  /** Set by the first person in, if they chose one; only its hash is kept (see access/admission.ts). */
  password: Promise<PasswordHash> | undefined;
  /** Joins being admitted right now: a refused join closes an empty room only when no other join is on its way in. */
  admitting = 0;
  #closed = false;
  readonly #settings: RoomSettings;
  #onClose: () => void;

  private constructor(
    id: string,
    instanceId: string,
    routers: RoomRouters,
    data: RoomDataChannels,
    speaker: RoomSpeaker,
    settings: RoomSettings,
    onClose: () => void,
  ) {
    this.id = id;
    this.instanceId = instanceId;
    this.routers = routers;
    this.data = data;
    this.speaker = speaker;
    this.#settings = settings;
    this.#onClose = onClose;
    this.files = new FileTransfers(id, this.peers, settings.fileStats);
    // A link imported from another server has its copy on the home router (server/cluster/sharedFileLinks.ts).
    const pipeData = (dataProducerId: string, owner: Peer | undefined, to: Peer) =>
      routers.pipe('data', dataProducerId, owner ? routers.of(owner.id).router : routers.home.router, routers.of(to.id).router);
    this.fileLinks = new FileLinks(this.peers, settings.fileStats, Date.now, pipeData);
  }

  static async create(
    id: string,
    pool: WorkerPool,
    settings: RoomSettings,
    onClose: () => void,
    instanceId = newInstanceId(),
  ): Promise<Room> {
    const routers = await RoomRouters.create(id, pool, settings.pipeStats);
    let room: Room | undefined;
    try {
      // Messages only flow once a peer produced data, which needs the room: `room` is set by then.
      const data = await RoomDataChannels.create(routers, id, settings.dataStats, {
        message(message) {
          if (room && !room.closed) settings.events.dataMessage(room, message);
        },
        feedDrained() {
          if (room && !room.closed) settings.events.feedDrained(room);
        },
      });
      // Elections only happen once someone produces audio, which needs the room: `room` is set by then.
      const speaker = await RoomSpeaker.create(
        routers.home.router,
        (peerId) => {
          if (room && !room.closed) room.broadcast({ method: 'activeSpeaker', data: { peerId } });
        },
        // Mics on other workers are piped to the home router, where the observer listens.
        (mic) => routers.pipe('media', mic.id, routers.of(mic.appData.peerId).router, routers.home.router),
      );
      room = new Room(id, instanceId, routers, data, speaker, settings, onClose);
    } catch (error) {
      routers.close();
      throw error;
    }
    settings.events.opened(room);
    return room;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The home worker: the one carrying the room's chat feed and speaker observer. */
  get slot(): WorkerSlot {
    return this.routers.home.slot;
  }

  /** The home router. Every router of the room has its RTP capabilities. */
  get router(): types.Router {
    return this.routers.home.router;
  }

  /**
   * Sends to every connected peer but `exceptPeerId`; peers in their grace period catch up when they resume. The
   * other servers hosting the room hear it too (`events.announced`): what is said here about its people.
   */
  broadcast(notification: Notification, exceptPeerId?: string): void {
    for (const peer of this.peers.values()) if (peer.id !== exceptPeerId) peer.notify(notification);
    this.#settings.events.announced?.(this, notification);
  }

  /** Places the peer on the least loaded worker (see RoomRouters) and tells everyone else it came. */
  async addPeer(peer: Peer): Promise<void> {
    await this.routers.place(peer.id);
    if (this.#closed || peer.closed) {
      this.routers.release(peer.id);
      throw new ProtocolError('bad_state', 'The room closed while you were joining; try again');
    }
    this.peers.set(peer.id, peer);
    this.broadcast({ method: 'peerJoined', data: { peer: peer.info() } }, peer.id);
  }

  /** Closes everything the peer owns; closes the room when it was the last one. Idempotent. */
  removePeer(peer: Peer): void {
    if (!this.peers.delete(peer.id)) return;
    peer.close();
    this.routers.release(peer.id);
    this.broadcast({ method: 'peerLeft', data: { peerId: peer.id } });
    log.info('peer left', { room: this.id, peer: peer.id, remaining: this.peers.size });
    if (this.peers.size === 0) this.close();
  }

  otherPeers(peer: Peer) {
    return [...this.peers.values()].filter((other) => other.id !== peer.id);
  }

  async createTransport(peer: Peer, direction: TransportDirection): Promise<types.WebRtcTransport<TransportAppData>> {
    const options = { sctpSendBufferSize: this.#settings.sctpSendBufferSize, roomClosed: () => this.#closed };
    return createPeerTransport(peer, this.routers.of(peer.id), direction, options);
  }

  async produce(
    peer: Peer,
    transport: types.WebRtcTransport<TransportAppData>,
    options: { kind: MediaKind; source: MediaSource; rtpParameters: types.RtpParameters; paused: boolean },
  ): Promise<types.Producer<ProducerAppData>> {
    if (KIND_OF_SOURCE[options.source] !== options.kind) {
      throw new ProtocolError('bad_request', `A ${options.source} producer must be ${KIND_OF_SOURCE[options.source]}`);
    }
    // One producer per source: a client re-publishing (e.g. after a reconnect) replaces its old one.
    peer.producerForSource(options.source)?.close();
    const producer = await transport.produce<ProducerAppData>({
      kind: options.kind,
      rtpParameters: options.rtpParameters,
      paused: options.paused,
      appData: { peerId: peer.id, source: options.source },
    });
    if (peer.closed || this.#closed) {
      producer.close();
      throw new ProtocolError('bad_state', 'Peer left while producing');
    }
    peer.producers.set(producer.id, producer);
    this.routers.countStream(peer.id, producer);
    producer.observer.on('close', () => {
      peer.producers.delete(producer.id);
      this.broadcast({ method: 'producerClosed', data: { peerId: peer.id, producerId: producer.id } }, peer.id);
      if (options.source === 'screen') this.#shareEnded(peer);
    });
    if (options.source === 'mic') this.speaker.micAdded(producer);
    const publication = { id: producer.id, source: options.source, kind: producer.kind, paused: producer.paused };
    this.broadcast({ method: 'producerAdded', data: { peerId: peer.id, publication } }, peer.id);
    return producer;
  }

  async setProducerPaused(peer: Peer, producer: types.Producer<ProducerAppData>, paused: boolean): Promise<void> {
    if (paused) await producer.pause();
    else await producer.resume();
    if (producer.appData.source === 'mic') {
      if (paused) this.speaker.micPaused(producer);
      else this.speaker.micResumed(producer);
    }
    const data = { peerId: peer.id, producerId: producer.id, paused };
    this.broadcast({ method: 'producerPausedChanged', data }, peer.id);
  }

  /** Creates a paused consumer of another person's producer (here or on another server) on this peer's receive transport. */
  consume(peer: Peer, producerId: string): Promise<types.Consumer<ConsumerAppData>> {
    return consumeIn(this, peer, producerId);
  }

  /** Whether the peer shares a screen now: only a live share has a board to draw on. */
  sharesScreen(peerId: string): boolean {
    const producer = this.peers.get(peerId)?.producerForSource('screen');
    return producer !== undefined && !producer.closed;
  }

  /**
   * A screen share ended (stopped, replaced, or its sharer left or lost their media): what was drawn on it goes, and
   * everyone is told (an op like any other, so a page that misses it sees the gap and fetches the state).
   */
  #shareEnded(peer: Peer): void {
    const frame = this.annotations.dropBoard(peer.id);
    if (frame) this.data.sendChat(JSON.stringify(frame));
  }

  /**
   * Takes over the password of the room this one replaces (its worker died; the instance id is passed to `create`),
   * so the same people get back in.
   */
  inheritAccess(previous: Room): void {
    this.password = previous.password;
  }

  /**
   * Becomes the meeting agreed among the servers of a service (server/cluster/sharedAccess.ts): its instance id and
   * password. Only before anyone is admitted here, so nobody's invite or chat history changes under them.
   */
  adoptMeeting(meeting: { instanceId: string; password: PasswordHash | undefined }): void {
    if (this.peers.size > 0 && meeting.instanceId !== this.instanceId) throw new Error('a room with people cannot change its meeting');
    this.instanceId = meeting.instanceId;
    this.password = meeting.password ? Promise.resolve(meeting.password) : undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    this.files.dispose();
    this.fileLinks.dispose();
    this.data.close();
    this.routers.close();
    this.#onClose();
    this.#settings.events.closed(this);
    log.info('room closed', { room: this.id });
  }
}

/** Random, not counted: no later meeting under the same name gets the same id, even after a restart. */
function newInstanceId(): string {
  return randomBytes(16).toString('base64url');
}
