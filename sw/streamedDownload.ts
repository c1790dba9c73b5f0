import type { FileMeta } from '../shared/protocol/files.ts';
import type { DownloadErrorCode, DownloadState, DownloadStatus } from './downloadMessages.ts';
import { downloadHeaders } from './downloadHeaders.ts';

/** Why a download refused bytes or a close; `code` is the one the page gets. */
export class DownloadRefused extends Error {
  readonly code: DownloadErrorCode;
  constructor(code: DownloadErrorCode, message: string) {
    super(message);
    this.name = 'DownloadRefused';
    this.code = code;
  }
}

type Queued = { bytes: Uint8Array; end: number };
type Waiter = { end: number; resolve: () => void; reject: (error: DownloadRefused) => void };

/**
 * One file the browser is saving from a stream this worker feeds. Pull-based: a piece leaves the queue only when
 * the browser reads, so the worker holds what pages gave and the browser has not taken yet — one piece per page
 * when pages await each write, as app/files/download.ts does. A write is confirmed once the browser took it.
 *
 * The file's last piece is held back until `close` (every byte verified): a browser that got every byte of the
 * length it was told could save the file, and a mismatch found later must still fail the download. Chromium waits
 * for the stream's end (measured: it fails such a download without the hold-back too); this is for browsers that
 * may not. Held, the piece counts as taken: the page need not keep it.
 */
export class StreamedDownload {
  readonly meta: FileMeta;
  #state: DownloadState = 'opened';
  /** The next byte a page must give: everything below is queued, held or taken. */
  #given = 0;
  /** Bytes the browser has read. */
  #taken = 0;
  readonly #queue: Queued[] = [];
  #tail: Uint8Array | undefined;
  readonly #waiters: Waiter[] = [];
  #wakePull: (() => void) | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  readonly #requested: Promise<boolean>;
  #markRequested!: (requested: boolean) => void;
  #onEnded: (() => void) | undefined;
  /** Why it ended, in words: what every later request is told. */
  #endReason: string | undefined;

  constructor(meta: FileMeta, onEnded?: () => void) {
    this.meta = meta;
    this.#onEnded = onEnded;
    this.#requested = new Promise((resolve) => (this.#markRequested = resolve));
  }

  get state(): DownloadState {
    return this.#state;
  }

  /** Bytes confirmed: taken by the browser, or held as the last piece. The offset of the next byte to give. */
  get written(): number {
    return this.#tail && this.#queue.length === 0 ? this.meta.size : this.#taken;
  }

  get status(): DownloadStatus {
    return { state: this.#state, written: this.written, size: this.meta.size };
  }

  get ended(): boolean {
    return this.#state === 'complete' || this.#state === 'failed' || this.#state === 'cancelled';
  }

  /** Resolves with true once the browser requested the download (see `respond`), false if it ended before. */
  requested(): Promise<boolean> {
    return this.#requested;
  }

  /** The response streaming the file, for the browser's one request; undefined for any later one. */
  respond(): Response | undefined {
    if (this.#state !== 'opened') return undefined;
    this.#state = 'streaming';
    // High-water mark 0: nothing is pulled ahead of the browser's own reads.
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => void (this.#controller = controller),
        pull: () => this.#pull(),
        cancel: () => this.#end('cancelled', 'The download was cancelled in the browser'),
      },
      new CountQueuingStrategy({ highWaterMark: 0 }),
    );
    this.#markRequested(true);
    return new Response(stream, { status: 200, headers: downloadHeaders(this.meta) });
  }

  /**
   * Gives bytes at `offset`; resolves once they are taken. A piece wholly below `#given` (sent again after a
   * reload) only waits for the copy given before; a piece starting beyond it is a gap and refused.
   */
  give(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.ended) return Promise.reject(this.#endedError());
    const end = offset + bytes.byteLength;
    if (offset > this.#given) return Promise.reject(new DownloadRefused('gap', `Expected bytes from ${this.#given}, got ${offset}`));
    if (end > this.meta.size) return Promise.reject(new DownloadRefused('too_long', `The file has ${this.meta.size} bytes, got bytes up to ${end}`));
    if (end > this.#given) {
      const fresh = bytes.subarray(this.#given - offset);
      this.#given = end;
      if (end === this.meta.size) this.#tail = fresh;
      else this.#queue.push({ bytes: fresh, end });
      this.#wakePull?.();
    }
    return this.#confirmed(end);
  }

  /** Completes the download: every byte was given (and verified by the page). */
  close(): void {
    if (this.#state === 'complete') return;
    if (this.ended) throw this.#endedError();
    if (this.#given < this.meta.size) throw new DownloadRefused('incomplete', `Only ${this.#given} of ${this.meta.size} bytes were given`);
    if (this.#state !== 'streaming' || !this.#controller) throw new DownloadRefused('not_started', 'The browser has not requested the download');
    // Pieces not taken yet stay queued in the stream itself, after which it ends.
    for (const { bytes } of this.#queue.splice(0)) this.#controller.enqueue(bytes);
    if (this.#tail) this.#controller.enqueue(this.#tail);
    this.#tail = undefined;
    this.#taken = this.meta.size;
    this.#controller.close();
    this.#end('complete');
  }

  /** Fails the download: the browser marks it failed and keeps no file. */
  abort(reason: string): void {
    if (this.ended) return;
    this.#controller?.error(new Error(reason || 'The download was aborted'));
    this.#end('failed', reason || 'The download was aborted');
  }

  async #pull(): Promise<void> {
    for (;;) {
      if (this.#state !== 'streaming' || !this.#controller) return;
      const next = this.#queue.shift();
      if (next) {
        this.#controller.enqueue(next.bytes);
        this.#taken = next.end;
        this.#settle();
        return;
      }
      await new Promise<void>((resolve) => (this.#wakePull = resolve));
      this.#wakePull = undefined;
    }
  }

  #confirmed(end: number): Promise<void> {
    if (this.written >= end) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ end, resolve, reject }));
  }

  #settle(): void {
    const written = this.written;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i];
      if (waiter && waiter.end <= written) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  #endedError(): DownloadRefused {
    return new DownloadRefused('ended', this.#endReason ?? `The download is ${this.#state}`);
  }

  #end(state: 'complete' | 'failed' | 'cancelled', reason?: string): void {
    if (this.ended) return;
    this.#state = state;
    this.#endReason = reason ?? `The download is ${state}`;
    if (state === 'complete') this.#settle();
    this.#queue.length = 0;
    this.#tail = undefined;
    const error = new DownloadRefused('ended', this.#endReason);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#wakePull?.();
    this.#markRequested(false);
    this.#onEnded?.();
    this.#onEnded = undefined;
  }
}
