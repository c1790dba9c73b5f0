import type { DataConsumer, DataProducer } from 'mediasoup-client/types';
import type { NotificationData } from '../../shared/protocol/index.ts';
import type { FileLink, FileLinks } from '../files/ports.ts';
import { createLogger } from '../log.ts';
import type { SfuSession } from './sfu.ts';
import type { SignalingClient } from './signaling.ts';

const log = createLogger('file-links');

/** Below this many buffered bytes a link counts as drained (the pump then queues more). */
const LOW_WATER = 256 * 1024;
/**
 * How long a new link waits for its audience to consume it. Frames sent before a receiver consumes the link are
 * lost (the SFU has nobody to give them to); after this the sender goes ahead and the receiver's gap repair
 * covers a peer that never got ready.
 */
const READY_TIMEOUT_MS = 5_000;
/** A link nothing was sent on for this long is closed (a peer holds at most 16, and "everyone" changes). */
const IDLE_CLOSE_MS = 30_000;

/** Stable key of an audience: its peer ids, sorted. */
function audienceKey(peerIds: readonly string[]): string {
  return [...new Set(peerIds)].sort().join(' ');
}

type PendingReady = { waiting: Set<string>; done: () => void };

/**
 * The file links of one media session, both ways: the `file` DataProducers this peer opens toward exact audiences
 * (made on first use, reused by every transfer to the same people), and the links others open toward it, whose
 * frames go to `onFrame`. Everything closes with the session.
 */
export class SessionFileLinks implements FileLinks {
  readonly #sfu: SfuSession;
  readonly #signaling: SignalingClient;
  readonly #onFrame: (data: ArrayBuffer) => void;
  /** Our links by audience key: open ones, and ones being made (a second transfer to the same people waits for it). */
  readonly #open = new Map<string, OutgoingLink>();
  readonly #making = new Map<string, Promise<FileLink>>();
  readonly #pendingReady = new Map<string, PendingReady>();
  readonly #incoming = new Set<DataConsumer>();
  /** Links toward us being consumed now. */
  readonly #consuming = new Set<Promise<void>>();
  /**
   * Each link toward us by its DataProducer id: its consumer once consumed (undefined while being consumed, or after
   * consuming failed). The server announces a link again when it cannot tell we consume it (after a reload both the
   * resumed join and the new receive transport announce it), and consuming it again would make the server replace
   * our consumer: whatever it forwarded meanwhile is lost, such as the window a sender re-sends on our resume.
   */
  readonly #consumed = new Map<string, Promise<DataConsumer | undefined>>();
  readonly #idleSweep: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(sfu: SfuSession, signaling: SignalingClient, onFrame: (data: ArrayBuffer) => void) {
    this.#sfu = sfu;
    this.#signaling = signaling;
    this.#onFrame = onFrame;
    this.#idleSweep = setInterval(() => this.#closeIdle(), IDLE_CLOSE_MS / 3);
  }

  to(peerIds: readonly string[]): Promise<FileLink> {
    if (this.#closed) return Promise.reject(new Error('The media session has ended'));
    const key = audienceKey(peerIds);
    const open = this.#open.get(key);
    if (open?.isOpen) return Promise.resolve(open);
    let making = this.#making.get(key);
    if (!making) {
      making = this.#make(key).finally(() => this.#making.delete(key));
      this.#making.set(key, making);
    }
    return making;
  }

  /** Someone opened a link toward us: consume it and pass its frames on (once: an announcement again is ignored while it works). */
  linkOpened(data: NotificationData<'fileLinkOpened'>): void {
    const earlier = this.#consumed.get(data.dataProducerId);
    const consumer = (earlier ?? Promise.resolve(undefined)).then((current) =>
      current && !current.closed && current.readyState !== 'closed' ? current : this.#consume(data),
    );
    this.#consumed.set(data.dataProducerId, consumer);
    const consuming = consumer.then(() => {});
    this.#consuming.add(consuming);
    void consuming.finally(() => this.#consuming.delete(consuming));
  }

  /**
   * Resolves once every link announced toward us so far is consumed and open (or failed), at most after a few seconds: a
   * receiver asks its senders to resume only then, or the first frames they send again would reach nobody.
   */
  async settled(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#consuming]),
      new Promise((resolve) => (timer = setTimeout(resolve, READY_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
  }

  /** Consumes a link; resolves with the consumer once it is open (undefined when that failed). */
  async #consume({ dataProducerId, from }: NotificationData<'fileLinkOpened'>): Promise<DataConsumer | undefined> {
    if (this.#closed) return undefined;
    let consumer: DataConsumer;
    try {
      consumer = await this.#sfu.consumeData(dataProducerId);
    } catch (error) {
      log.warn('could not receive a file link', { from, error: String(error) });
      return undefined;
    }
    if (this.#closed) {
      consumer.close();
      return undefined;
    }
    this.#incoming.add(consumer);
    consumer.on('message', (data) => {
      if (data instanceof ArrayBuffer) this.#onFrame(data);
    });
    for (const end of ['close', 'transportclose'] as const) {
      consumer.on(end, () => {
        consumer.close();
        this.#incoming.delete(consumer);
      });
    }
    // Consumed is not yet open: after a reload the new transport's SCTP association may still be coming up, and
    // what the SFU forwards before it is lost (the first window after a resume, measured). `settled` waits for this.
    return opened(consumer).then(
      () => consumer,
      () => undefined,
    );
  }

  /** An audience peer consumes one of our links. */
  linkReady({ linkId, peerId }: NotificationData<'fileLinkReady'>): void {
    const pending = this.#pendingReady.get(linkId);
    if (!pending) return;
    pending.waiting.delete(peerId);
    if (pending.waiting.size === 0) pending.done();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#idleSweep);
    for (const pending of this.#pendingReady.values()) pending.done();
    for (const consumer of this.#incoming) consumer.close();
    this.#incoming.clear();
    this.#consumed.clear();
    for (const link of this.#open.values()) link.close();
    this.#open.clear();
  }

  async #make(key: string): Promise<FileLink> {
    const audience = key.split(' ');
    const { linkId } = await this.#signaling.request('openFileLink', { audience });
    const ready = this.#awaitReady(linkId, audience);
    const producer = await this.#sfu.produceData('file', linkId);
    producer.bufferedAmountLowThreshold = LOW_WATER;
    await Promise.all([opened(producer), ready]);
    const link = new OutgoingLink(linkId, audience, producer);
    if (this.#closed) {
      link.close();
      throw new Error('The media session has ended');
    }
    this.#open.set(key, link);
    producer.observer.on('close', () => {
      if (this.#open.get(key) === link) this.#open.delete(key);
    });
    return link;
  }

  #closeIdle(): void {
    const now = performance.now();
    for (const [key, link] of this.#open) {
      if (now - link.lastSendAt < IDLE_CLOSE_MS) continue;
      this.#open.delete(key);
      link.close();
      void this.#signaling.request('closeFileLink', { linkId: link.id }).catch(() => {});
    }
  }

  #awaitReady(linkId: string, audience: string[]): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), READY_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        this.#pendingReady.delete(linkId);
        resolve();
      };
      this.#pendingReady.set(linkId, { waiting: new Set(audience), done });
    });
  }

}

/** What `opened` needs of a DataProducer or DataConsumer. */
type Channel = {
  readonly readyState: RTCDataChannelState;
  on(event: 'open' | 'close' | 'transportclose' | 'error', listener: () => void): unknown;
};

/** Resolves once the channel is open; rejects if it closes first. */
function opened(channel: Channel): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    channel.on('open', () => resolve());
    for (const end of ['close', 'transportclose', 'error'] as const) channel.on(end, () => reject(new Error('The file link closed')));
  });
}

/** One `file` DataProducer toward a fixed audience. */
class OutgoingLink implements FileLink {
  readonly id: string;
  readonly audience: readonly string[];
  readonly #producer: DataProducer;
  lastSendAt = performance.now();

  constructor(id: string, audience: string[], producer: DataProducer) {
    this.id = id;
    this.audience = audience;
    this.#producer = producer;
  }

  get isOpen(): boolean {
    return !this.#producer.closed && this.#producer.readyState === 'open';
  }

  get bufferedAmount(): number {
    return this.#producer.closed ? 0 : this.#producer.bufferedAmount;
  }

  send(frame: ArrayBuffer): void {
    if (!this.isOpen) throw new Error('The file link is closed');
    this.lastSendAt = performance.now();
    this.#producer.send(frame);
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.isOpen || this.#producer.bufferedAmount <= LOW_WATER) return resolve();
      const done = () => {
        for (const event of ['bufferedamountlow', 'close', 'transportclose'] as const) this.#producer.off(event, done);
        resolve();
      };
      for (const event of ['bufferedamountlow', 'close', 'transportclose'] as const) this.#producer.on(event, done);
    });
  }

  close(): void {
    this.#producer.close();
  }
}
