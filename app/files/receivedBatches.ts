import { createLogger } from '../log.ts';
import type { StoredChunk, StoredIncoming, TransferStore } from '../storage/transferStore.ts';
import type { Tuning } from './tuning.ts';

const log = createLogger('files');

/** What the batches need around them. */
export type ReceivedBatchesDeps = {
  store: TransferStore;
  tuning: Tuning;
  /** The transfer's record with `received` at the last chunk added (its hash state covers exactly those bytes). */
  record(): StoredIncoming;
  /** The offset of the first chunk the download has not taken (undefined: it took all it was given). */
  firstUnwritten(): number | undefined;
  ended(): boolean;
  /** `persisted` moved on. */
  persisted(): void;
  failed(): Promise<void>;
};

/**
 * A receiver's chunks on their way into the store: gathered into batches (`flushBytes`, the file's last byte, or
 * `flushMs` after the first chunk), each persisted with the transfer's record in one transaction, one batch after
 * another, so an offset is reported persisted only once the store holds every byte below it. The store keeps only
 * what the download has not taken by then.
 */
export class ReceivedBatches {
  readonly #deps: ReceivedBatchesDeps;
  #persisted: number;
  #batch: StoredChunk[] = [];
  #batchBytes = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushChain: Promise<void> = Promise.resolve();

  /** `persisted`: bytes kept from before a reload. */
  constructor(persisted: number, deps: ReceivedBatchesDeps) {
    this.#persisted = persisted;
    this.#deps = deps;
  }

  /** Bytes [0, persisted) are in the store (or the download). */
  get persisted(): number {
    return this.#persisted;
  }

  /** A chunk taken in order; `last`: it ends the file (the batch is persisted at once). */
  add(chunk: StoredChunk, last: boolean): void {
    this.#batch.push(chunk);
    this.#batchBytes += chunk.bytes.byteLength;
    if (this.#batchBytes >= this.#deps.tuning.flushBytes || last) this.flush();
    else this.#flushTimer ??= setTimeout(() => this.flush(), this.#deps.tuning.flushMs);
  }

  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#batch.length === 0) return;
    // Taken together, synchronously: the hash state covers exactly the bytes up to `received`.
    const batch = this.#batch;
    const record = this.#deps.record();
    this.#batch = [];
    this.#batchBytes = 0;
    this.#flushChain = this.#flushChain.then(async () => {
      if (this.#deps.ended()) return;
      // Chunks the download has taken are safe with it (a reload takes the same download up again); the rest is kept.
      const keepFrom = this.#deps.firstUnwritten() ?? record.received;
      const unwritten = batch.filter((chunk) => chunk.offset >= keepFrom);
      try {
        await this.#deps.store.persistReceived(record, unwritten, keepFrom);
      } catch (error) {
        log.warn('persisting received bytes failed', error);
        return this.#deps.failed();
      }
      this.#persisted = record.received;
      this.#deps.persisted();
    });
  }

  /** Stops the timer (the transfer ended, or the engine is going away). */
  stop(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
  }

  /** The transfer ended: nothing more is persisted, and its record is removed after the last flush. */
  forget(transferId: string): void {
    this.stop();
    this.#batch = [];
    // After the last flush, so a flush in flight cannot put the record back.
    this.#flushChain = this.#flushChain
      .then(() => this.#deps.store.removeTransfer(transferId))
      .catch((error: unknown) => log.warn('forgetting a transfer failed', error));
  }

  /** Resolves once every batch so far is persisted. */
  settled(): Promise<void> {
    return this.#flushChain;
  }
}
