import type { StoredChunk } from '../storage/transferStore.ts';
import type { DownloadSink } from './ports.ts';

/**
 * Received chunks on their way into the download, strictly in order, one write at a time; each leaves memory once
 * the download took it (the store forgets it with the next batch).
 */
export class DownloadWriter {
  readonly sink: DownloadSink;
  readonly #written: () => void;
  readonly #failed: (error: unknown) => void;
  #queue: StoredChunk[] = [];
  #writing = false;
  #stopped = false;

  /** `written` after each chunk the download took and once the queue is empty; `failed` when it refused one. */
  constructor(sink: DownloadSink, events: { written(): void; failed(error: unknown): void }) {
    this.sink = sink;
    this.#written = events.written;
    this.#failed = events.failed;
  }

  /** Bytes the download took. */
  get written(): number {
    return this.sink.written;
  }

  /** Everything handed over is written. */
  get idle(): boolean {
    return !this.#writing && this.#queue.length === 0;
  }

  /** The offset of the first chunk not yet written (the store must keep it and all after it). */
  get firstUnwritten(): number | undefined {
    return this.#queue[0]?.offset;
  }

  add(chunks: StoredChunk[]): void {
    this.#queue.push(...chunks);
    void this.#run();
  }

  stop(): void {
    this.#stopped = true;
    this.#queue = [];
  }

  /** Stops writing and drops the download, saying why (one that is gone already does not matter: it is dropped). */
  async abort(reason: string): Promise<void> {
    this.stop();
    await this.sink.abort(reason).catch(() => {});
  }

  async #run(): Promise<void> {
    if (this.#writing || this.#stopped) return;
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
        const chunk = this.#queue[0]!;
        await this.sink.write(chunk.offset, chunk.bytes);
        this.#queue.shift();
        this.#written();
      }
    } catch (error) {
      this.#writing = false;
      if (!this.#stopped) this.#failed(error);
      return;
    }
    this.#writing = false;
    if (!this.#stopped) this.#written();
  }
}
