import * as v from 'valibot';
import { transferIdSchema } from '../shared/protocol/files.ts';
import { downloadRequestSchema, type DownloadReply, type DownloadRequest } from './downloadMessages.ts';
import { DownloadRefused, StreamedDownload } from './streamedDownload.ts';

/*
 * Streamed downloads: pages register a download and give it bytes (sw/downloadMessages.ts), the browser requests
 * GET /_download/<transferId> and gets a stream of those bytes, so a received file goes to disk as it arrives. The
 * registry lives in the worker, not in a page: a page that reloads finds its download still open and goes on.
 */

/** How long `open` waits for the browser to request the download's URL. */
const REQUEST_TIMEOUT_MS = 20_000;
/** How long a download request waits for its `open` to arrive (the two can cross). */
const REGISTRATION_WAIT_MS = 5_000;
/** How long an ended download can still be asked about (a page reloading across its end). */
const ENDED_KEPT_MS = 10 * 60_000;

export type DownloadRegistryOptions = { requestTimeoutMs?: number; registrationWaitMs?: number };

/** Every download this worker streams, by transfer id. */
export class DownloadRegistry {
  readonly #downloads = new Map<string, StreamedDownload>();
  readonly #arrivals = new Map<string, Set<() => void>>();
  readonly #requestTimeoutMs: number;
  readonly #registrationWaitMs: number;

  constructor(options: DownloadRegistryOptions = {}) {
    this.#requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#registrationWaitMs = options.registrationWaitMs ?? REGISTRATION_WAIT_MS;
  }

  /** Answers one page message (validated here: anything else gets `invalid` and changes nothing). */
  async handle(message: unknown): Promise<DownloadReply> {
    const parsed = v.safeParse(downloadRequestSchema, message);
    if (!parsed.success) return { ok: false, error: { code: 'invalid', message: v.summarize(parsed.issues) } };
    const request = parsed.output;
    try {
      return { ok: true, data: await this.#dispatch(request) };
    } catch (error) {
      if (!(error instanceof DownloadRefused)) throw error;
      const status = this.#downloads.get(request.data.transferId)?.status;
      return { ok: false, error: { code: error.code, message: error.message }, ...(status ? { status } : {}) };
    }
  }

  /** The browser's request for /_download/<id>: the download's stream, or 404/410 for one unknown or taken. */
  async respond(transferId: string): Promise<Response> {
    if (!v.is(transferIdSchema, transferId)) return new Response('Not a download', { status: 404 });
    const download = this.#downloads.get(transferId) ?? (await this.#arrival(transferId));
    if (!download) return new Response('No such download', { status: 404 });
    return download.respond() ?? new Response('This download was already started', { status: 410 });
  }

  async #dispatch(request: DownloadRequest) {
    const { transferId } = request.data;
    if (request.method === 'open') return this.#open(transferId, request.data.meta);
    const download = this.#downloads.get(transferId);
    if (!download) throw new DownloadRefused('not_found', 'No such download here');
    switch (request.method) {
      case 'chunk':
        await download.give(request.data.offset, new Uint8Array(request.data.bytes));
        break;
      case 'close':
        download.close();
        break;
      case 'abort':
        download.abort(request.data.reason);
        break;
      case 'status':
      case 'ping':
        break;
    }
    return download.status;
  }

  async #open(transferId: string, meta: StreamedDownload['meta']) {
    const existing = this.#downloads.get(transferId);
    // One the browser never requested (its page reloaded at that moment) gives way to the new one.
    if (existing?.state === 'opened') existing.abort('Opened again');
    else if (existing && !existing.ended) throw new DownloadRefused('exists', 'This download is open already');
    const download = new StreamedDownload(meta, () => this.#forgetLater(transferId, download));
    this.#downloads.set(transferId, download);
    for (const arrived of this.#arrivals.get(transferId) ?? []) arrived();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.#requestTimeoutMs)));
    const requested = await Promise.race([download.requested(), timedOut]);
    clearTimeout(timer);
    if (!requested) {
      download.abort('The browser never requested the download');
      if (this.#downloads.get(transferId) === download) this.#downloads.delete(transferId);
      throw new DownloadRefused('not_started', 'The browser did not start the download');
    }
    return download.status;
  }

  /** Waits a little for `open` of a download whose request came first. */
  #arrival(transferId: string): Promise<StreamedDownload | undefined> {
    return new Promise((resolve) => {
      const waiting = this.#arrivals.get(transferId) ?? new Set<() => void>();
      this.#arrivals.set(transferId, waiting);
      const done = () => {
        clearTimeout(timer);
        waiting.delete(done);
        if (waiting.size === 0) this.#arrivals.delete(transferId);
        resolve(this.#downloads.get(transferId));
      };
      const timer = setTimeout(done, this.#registrationWaitMs);
      waiting.add(done);
    });
  }

  #forgetLater(transferId: string, download: StreamedDownload): void {
    setTimeout(() => {
      if (this.#downloads.get(transferId) === download) this.#downloads.delete(transferId);
    }, ENDED_KEPT_MS);
  }
}
