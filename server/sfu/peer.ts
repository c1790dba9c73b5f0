import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Notification, PeerInfo, Publication, TransportDirection } from '../../shared/protocol/index.ts';
import type { MediaSource, RequestData } from '../../shared/protocol/index.ts';
import type { DataConsumerAppData, DataProducerAppData } from './dataChannels.ts';

/** How the room reaches a peer's signaling connection; replaced when the peer resumes on a new socket. */
export type PeerChannel = {
  notify(notification: Notification): void;
  /** Cuts the socket at once (no closing handshake), without closing the peer: the client reconnects. */
  drop(): void;
  /** A newer connection took this peer over: refuse what this one still has queued, and cut it. */
  fence(): void;
};

export type ProducerAppData = { peerId: string; source: MediaSource };
export type ConsumerAppData = { peerId: string; source: MediaSource; producerId: string };
/** `connected`: connectTransport succeeded once (mediasoup refuses a second). */
export type TransportAppData = { direction: TransportDirection; connected?: boolean };

/** How long a peer whose page said goodbye (closed or reloading) waits for a resume. */
export const GOODBYE_GRACE_MS = 5_000;
/** A goodbye counts for a disconnect within this time; after that the page evidently stayed (bfcache, a stray beacon). */
const GOODBYE_VALID_MS = 15_000;

/** One participant: its transports, producers and consumers. Only this peer's requests can reach them. */
export class Peer {
  readonly id = randomUUID();
  readonly name: string;
  /** Proves a reconnecting socket is this peer; never sent to anyone else. */
  readonly resumeToken = randomBytes(24).toString('base64url');
  rtpCapabilities: types.RtpCapabilities | undefined;
  sctpCapabilities: RequestData<'setCapabilities'>['sctpCapabilities'];
  readonly transports = new Map<TransportDirection, types.WebRtcTransport<TransportAppData>>();
  readonly producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly consumers = new Map<string, types.Consumer<ConsumerAppData>>();
  readonly dataProducers = new Map<string, types.DataProducer<DataProducerAppData>>();
  readonly dataConsumers = new Map<string, types.DataConsumer<DataConsumerAppData>>();
  #channel: PeerChannel | undefined;
  #work: Promise<unknown> = Promise.resolve();
  #graceTimer: NodeJS.Timeout | undefined;
  #graceEndsAt = 0;
  #onGraceExpired: (() => void) | undefined;
  #goodbyeAt = -Infinity;
  #closed = false;

  constructor(name: string, channel: PeerChannel) {
    this.name = name;
    this.#channel = channel;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connected(): boolean {
    return this.#channel !== undefined;
  }

  get channel(): PeerChannel | undefined {
    return this.#channel;
  }

  matchesToken(token: string): boolean {
    const expected = Buffer.from(this.resumeToken);
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /**
   * The socket dropped: keep everything for `graceMs` so the same peer can resume, then give up. A page that
   * said goodbye just before gets only GOODBYE_GRACE_MS: enough for a reload, not a ghost for the whole grace.
   */
  detach(graceMs: number, onExpired: () => void): void {
    this.#channel = undefined;
    this.#onGraceExpired = onExpired;
    const saidGoodbye = Date.now() - this.#goodbyeAt < GOODBYE_VALID_MS;
    this.#startGrace(saidGoodbye ? Math.min(graceMs, GOODBYE_GRACE_MS) : graceMs);
  }

  /** The page is closing or reloading (`POST /api/goodbye`): shorten the grace, now or at the coming disconnect. */
  goodbye(): void {
    this.#goodbyeAt = Date.now();
    const remaining = this.#graceEndsAt - Date.now();
    if (!this.#channel && this.#onGraceExpired && remaining > GOODBYE_GRACE_MS) this.#startGrace(GOODBYE_GRACE_MS);
  }

  attach(channel: PeerChannel): void {
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    this.#onGraceExpired = undefined;
    this.#goodbyeAt = -Infinity; // a reload's resume cancels its goodbye
    this.#channel = channel;
  }

  /**
   * Runs `task` after every earlier task of this peer, whichever connection sent it: a request still in flight on
   * an old socket never overlaps one from the socket that resumed the peer (two producers for one source).
   */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#work.then(task);
    this.#work = result.catch(() => {});
    return result;
  }

  /**
   * Same identity, new media: the client lost its media session (a reloaded page) and builds a new one. Closing
   * the transports closes their producers (the others get `producerClosed`) and consumers.
   */
  resetMedia(): void {
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.rtpCapabilities = undefined;
    this.sctpCapabilities = undefined;
  }

  #startGrace(ms: number): void {
    clearTimeout(this.#graceTimer);
    this.#graceEndsAt = Date.now() + ms;
    const onExpired = this.#onGraceExpired;
    this.#graceTimer = setTimeout(() => onExpired?.(), ms);
  }

  notify(notification: Notification): void {
    this.#channel?.notify(notification);
  }

  producerForSource(source: MediaSource): types.Producer<ProducerAppData> | undefined {
    for (const producer of this.producers.values()) if (producer.appData.source === source) return producer;
    return undefined;
  }

  publications(): Publication[] {
    return [...this.producers.values()].map((producer) => ({
      id: producer.id,
      source: producer.appData.source,
      kind: producer.kind,
      paused: producer.paused,
    }));
  }

  info(): PeerInfo {
    return { id: this.id, name: this.name, connected: this.connected, publications: this.publications() };
  }

  /**
   * Closes all of this peer's media objects. Idempotent. Closing a transport closes its producers and consumers,
   * data ones included.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#graceTimer);
    this.#channel = undefined;
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
    this.dataProducers.clear();
    this.dataConsumers.clear();
  }
}
