import type { types } from 'mediasoup';
import { createLogger } from '../log.ts';
import type { FileStats } from './stats.ts';

const log = createLogger('files');

/** How often open links' byte counts are read, so a link that closes by itself loses at most this much counting. */
const STATS_POLL_MS = 2_000;

/**
 * The bytes file links carry, read from mediasoup: received by each open DataProducer of a sender, relayed by each
 * DataConsumer of a receiver. What one had counted goes to FileStats when it closes.
 */
export class LinkBytes {
  readonly #stats: FileStats;
  /** Bytes last read from each open DataProducer (received) and DataConsumer (sent). */
  readonly #received = new Map<types.DataProducer, number>();
  readonly #relayed = new Map<types.DataConsumer, number>();
  readonly #poller: NodeJS.Timeout;

  constructor(stats: FileStats) {
    this.#stats = stats;
    this.#poller = setInterval(() => void this.#poll(), STATS_POLL_MS);
    this.#poller.unref();
  }

  /** Counts what a sender's DataProducer receives, until it closes. */
  received(producer: types.DataProducer): void {
    this.#received.set(producer, 0);
    producer.observer.once('close', () => {
      this.#stats.closedBytesReceived += this.#received.get(producer) ?? 0;
      this.#received.delete(producer);
    });
  }

  /** Counts what a receiver's DataConsumer is sent, until it closes. */
  relayed(consumer: types.DataConsumer): void {
    this.#relayed.set(consumer, 0);
    // Frames are dropped when this fills (../shared/notes/datachannels.md); the receiver's acks and resumes repair it.
    consumer.on('sctpsendbufferfull', () => this.#stats.sendBufferFull++);
    consumer.observer.once('close', () => {
      this.#stats.closedBytesRelayed += this.#relayed.get(consumer) ?? 0;
      this.#relayed.delete(consumer);
    });
  }

  /** Reads the counts of these now: before closing them, as mediasoup can no longer say what a closed one carried. */
  async read(...items: (types.DataProducer | types.DataConsumer)[]): Promise<void> {
    await Promise.all(items.map((item) => this.#read(item)));
  }

  /** Bytes received and relayed by those open now (closed ones are in FileStats). */
  async open(): Promise<{ received: number; relayed: number }> {
    await this.#poll();
    let received = 0;
    let relayed = 0;
    for (const bytes of this.#received.values()) received += bytes;
    for (const bytes of this.#relayed.values()) relayed += bytes;
    return { received, relayed };
  }

  dispose(): void {
    clearInterval(this.#poller);
  }

  async #poll(): Promise<void> {
    await this.read(...this.#received.keys(), ...this.#relayed.keys());
  }

  async #read(item: types.DataProducer | types.DataConsumer): Promise<void> {
    try {
      if ('dataProducerId' in item) {
        const [stat] = await item.getStats();
        if (stat && this.#relayed.has(item)) this.#relayed.set(item, stat.bytesSent);
      } else {
        const [stat] = await item.getStats();
        if (stat && this.#received.has(item)) this.#received.set(item, stat.bytesReceived);
      }
    } catch (error) {
      // It closed while being read: its last count stands.
      if (!item.closed) log.warn('could not read file link stats', { error });
    }
  }
}
