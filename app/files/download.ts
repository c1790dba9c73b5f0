import * as v from 'valibot';
import type { FileMeta } from '../../shared/protocol/index.ts';
import {
  DOWNLOAD_CHANNEL,
  DOWNLOAD_MAX_CHUNK_BYTES,
  downloadReplySchema,
  downloadUrl,
  type DownloadErrorCode,
  type DownloadMethod,
  type DownloadRequestData,
  type DownloadStatus,
} from '../../sw/downloadMessages.ts';
import type { DownloadSink, Downloads } from './ports.ts';

/*
 * Received files go to disk through the service worker (sw/downloads.ts): this page registers a download, points
 * a hidden iframe at its URL so the browser starts saving it, and hands the worker the bytes as they arrive. A
 * write resolves once the download took the bytes, so the caller keeps (persists) only what it has not taken.
 */

/** Why a download could not go on; `code` is the worker's, or `unreachable` (no answer: the worker is gone). */
export class DownloadError extends Error {
  readonly code: DownloadErrorCode | 'unreachable' | 'unsupported';
  /** Where the download stands, when the worker said. */
  readonly status: DownloadStatus | undefined;
  constructor(code: DownloadError['code'], message: string, status?: DownloadStatus) {
    super(message);
    this.name = 'DownloadError';
    this.code = code;
    this.status = status;
  }
}

/** How often an open download tells the worker it is still wanted, when nothing else was sent meanwhile. */
const KEEPALIVE_MS = 10_000;
/** How long an answer may take (not a chunk's: that waits for the browser to take it, as long as it takes). */
const ANSWER_TIMEOUT_MS = 10_000;
/** `open` waits for the browser to request the download (the worker gives up after 20 s). */
const OPEN_TIMEOUT_MS = 30_000;

type Ask = <M extends DownloadMethod>(method: M, data: DownloadRequestData<M>, timeoutMs?: number) => Promise<DownloadStatus>;

/** One request to one worker, answered on a port of its own. */
function asker(worker: ServiceWorker): Ask {
  return (method, data, timeoutMs) =>
    new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              channel.port1.close();
              reject(new DownloadError('unreachable', `The service worker did not answer ${method}`));
            }, timeoutMs);
      channel.port1.onmessage = (event: MessageEvent) => {
        clearTimeout(timer);
        channel.port1.close();
        const reply = v.safeParse(downloadReplySchema, event.data);
        if (!reply.success) reject(new DownloadError('invalid', `The service worker's answer to ${method} is malformed`));
        else if (reply.output.ok) resolve(reply.output.data);
        else reject(new DownloadError(reply.output.error.code, reply.output.error.message, reply.output.status));
      };
      const transfer: Transferable[] = [channel.port2];
      if (method === 'chunk') transfer.push((data as DownloadRequestData<'chunk'>).bytes);
      worker.postMessage({ channel: DOWNLOAD_CHANNEL, method, data }, transfer);
    });
}

/** Points a hidden iframe at the download's URL: the browser saves the response (an attachment) as a download. */
function startBrowserDownload(document: Document, transferId: string): HTMLIFrameElement {
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.title = 'Download';
  frame.src = downloadUrl(transferId);
  document.body.append(frame);
  return frame;
}

class ServiceWorkerDownloadSink implements DownloadSink {
  readonly #transferId: string;
  readonly #ask: Ask;
  readonly #frame: HTMLIFrameElement | undefined;
  #written: number;
  #ended: DownloadError | undefined;
  #completed = false;
  readonly #failures = new Set<(error: DownloadError) => void>();
  #lastSent = Date.now();
  readonly #keepaliveMs: number;
  readonly #keepalive: ReturnType<typeof setInterval>;

  constructor(transferId: string, ask: Ask, status: DownloadStatus, options: { frame?: HTMLIFrameElement; keepaliveMs: number }) {
    this.#transferId = transferId;
    this.#ask = ask;
    this.#written = status.written;
    this.#frame = options.frame;
    this.#keepaliveMs = options.keepaliveMs;
    this.#keepalive = setInterval(() => void this.#ping(), options.keepaliveMs);
    // Reattached to one that completed (the page reloaded just after closing it): every write and close is done.
    if (status.state === 'complete') {
      this.#completed = true;
      this.#end(new DownloadError('ended', 'The download is complete', status));
    }
  }

  get written(): number {
    return this.#written;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    for (let start = 0; start < bytes.byteLength; start += DOWNLOAD_MAX_CHUNK_BYTES) {
      const piece = bytes.subarray(start, start + DOWNLOAD_MAX_CHUNK_BYTES);
      const pieceOffset = offset + start;
      if (pieceOffset + piece.byteLength <= this.#written) continue; // taken already
      // A copy of its own is transferred (not cloned again), and the caller's bytes stay whole until confirmed.
      const copy = piece.slice();
      await this.#send('chunk', { transferId: this.#transferId, offset: pieceOffset, bytes: copy.buffer });
    }
  }

  async close(): Promise<void> {
    if (this.#completed) return;
    await this.#send('close', { transferId: this.#transferId }, ANSWER_TIMEOUT_MS);
    this.#completed = true;
    this.#end(new DownloadError('ended', 'The download is complete'));
  }

  async abort(reason: string): Promise<void> {
    if (this.#ended) return;
    try {
      await this.#ask('abort', { transferId: this.#transferId, reason: reason.slice(0, 500) }, ANSWER_TIMEOUT_MS);
    } catch (error) {
      // A worker that lost the download, or no longer answers, has failed it already: that is what abort wants.
      if (!(error instanceof DownloadError) || !['not_found', 'ended', 'unreachable'].includes(error.code)) throw error;
    } finally {
      this.#end(new DownloadError('ended', reason));
    }
  }

  /** Sends one request, failing it at once if the download ends meanwhile (the worker restarted, or it was cancelled). */
  async #send<M extends DownloadMethod>(method: M, data: DownloadRequestData<M>, timeoutMs?: number): Promise<void> {
    if (this.#ended) throw this.#ended;
    this.#lastSent = Date.now();
    let fail!: (error: DownloadError) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    this.#failures.add(fail);
    try {
      const status = await Promise.race([this.#ask(method, data, timeoutMs), failed]);
      this.#written = Math.max(this.#written, status.written);
    } catch (error) {
      if (error instanceof DownloadError && (error.code === 'ended' || error.code === 'not_found')) this.#end(error);
      throw error;
    } finally {
      this.#failures.delete(fail);
    }
  }

  async #ping(): Promise<void> {
    if (this.#ended || Date.now() - this.#lastSent < this.#keepaliveMs * 0.9) return;
    this.#lastSent = Date.now();
    try {
      const status = await this.#ask('ping', { transferId: this.#transferId }, ANSWER_TIMEOUT_MS);
      if (status.state === 'failed' || status.state === 'cancelled') this.#end(endedError(status));
    } catch (error) {
      this.#end(error instanceof DownloadError ? error : new DownloadError('unreachable', String(error)));
    }
  }

  #end(error: DownloadError): void {
    if (this.#ended) return;
    this.#ended = error;
    clearInterval(this.#keepalive);
    this.#frame?.remove();
    for (const fail of this.#failures) fail(error);
  }
}

function endedError(status: DownloadStatus): DownloadError {
  const message = status.state === 'cancelled' ? 'The download was cancelled in the browser' : `The download is ${status.state}`;
  return new DownloadError('ended', message, status);
}

/** Downloads through the service worker controlling this page (none: `supported` is false). */
export class ServiceWorkerDownloads implements Downloads {
  readonly #container: ServiceWorkerContainer | undefined;
  readonly #document: Document;
  readonly #keepaliveMs: number;

  constructor(
    container: ServiceWorkerContainer | undefined = globalThis.navigator?.serviceWorker,
    document: Document = globalThis.document,
    options: { keepaliveMs?: number } = {},
  ) {
    this.#container = container;
    this.#document = document;
    this.#keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS;
  }

  get supported(): boolean {
    return Boolean(this.#container?.controller);
  }

  async open(transferId: string, meta: FileMeta): Promise<DownloadSink> {
    const worker = this.#container?.controller;
    if (!worker) throw new DownloadError('unsupported', 'Files cannot be received here: no service worker controls this page');
    const ask = asker(worker);
    // Both synchronously, within the gesture that accepted (a browser may want one for a download). The worker
    // answers once the browser requested the URL; the request may even arrive first (the worker waits for it).
    const opened = ask('open', { transferId, meta }, OPEN_TIMEOUT_MS);
    const frame = startBrowserDownload(this.#document, transferId);
    try {
      return new ServiceWorkerDownloadSink(transferId, ask, await opened, { frame, keepaliveMs: this.#keepaliveMs });
    } catch (error) {
      frame.remove();
      throw error;
    }
  }

  /** The download this worker still streams (or completed: then writes and close are no-ops), after a reload. */
  async reattach(transferId: string): Promise<DownloadSink | undefined> {
    const worker = this.#container?.controller;
    if (!worker) return undefined;
    const ask = asker(worker);
    const status = await ask('status', { transferId }, ANSWER_TIMEOUT_MS).catch(() => undefined);
    if (status?.state !== 'streaming' && status?.state !== 'complete') return undefined;
    return new ServiceWorkerDownloadSink(transferId, ask, status, { keepaliveMs: this.#keepaliveMs });
  }
}

/** This page's downloads. */
export function serviceWorkerDownloads(): Downloads {
  return new ServiceWorkerDownloads();
}
