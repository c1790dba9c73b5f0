import * as v from 'valibot';
import { byteOffsetSchema, fileMetaSchema, transferIdSchema } from '../shared/protocol/files.ts';

/*
 * Page ↔ service worker messages of streamed downloads (sw/downloads.ts answers, app/files/download.ts asks).
 *
 * The page posts each request to the service worker itself (`ServiceWorker.postMessage`), with a MessagePort the
 * worker answers on: a message event on the worker's global scope is what keeps a worker alive (messages on a
 * port do not), and the port correlates the answer without ids. Both ends validate what they receive.
 */

/** Where downloads are served: GET /_download/<transferId>. */
export const DOWNLOAD_PATH_PREFIX = '/_download/';

/** Tells these messages apart from the worker's others (workbox-window's SKIP_WAITING). */
export const DOWNLOAD_CHANNEL = 'huddle-download';

/** Largest piece of a file one `chunk` message carries. */
export const DOWNLOAD_MAX_CHUNK_BYTES = 4 * 1024 * 1024;

const transfer = { transferId: transferIdSchema };

/** One request per method; `chunk` carries its bytes as an ArrayBuffer the page transferred (not copied). */
export const downloadRequestSchema = v.variant('method', [
  /** Registers a download; answered once the browser has requested its URL (the download started). */
  v.object({ channel: v.literal(DOWNLOAD_CHANNEL), method: v.literal('open'), data: v.object({ ...transfer, meta: fileMetaSchema }) }),
  /** Bytes at `offset`: a part below the bytes already given is skipped, a gap refused; answered once the download took them. */
  v.object({
    channel: v.literal(DOWNLOAD_CHANNEL),
    method: v.literal('chunk'),
    data: v.object({
      ...transfer,
      offset: byteOffsetSchema,
      bytes: v.pipe(
        v.instance(ArrayBuffer),
        v.check((bytes) => bytes.byteLength <= DOWNLOAD_MAX_CHUNK_BYTES, `A chunk is at most ${DOWNLOAD_MAX_CHUNK_BYTES} bytes`),
      ),
    }),
  }),
  /** Every byte is given and verified: the download completes. Refused while bytes are missing. */
  v.object({ channel: v.literal(DOWNLOAD_CHANNEL), method: v.literal('close'), data: v.object(transfer) }),
  /** The download fails (the browser marks it failed and keeps no file). */
  v.object({
    channel: v.literal(DOWNLOAD_CHANNEL),
    method: v.literal('abort'),
    data: v.object({ ...transfer, reason: v.pipe(v.string(), v.maxLength(500)) }),
  }),
  /** Where the download stands (after a reload: is it still streaming, how many bytes did it take). */
  v.object({ channel: v.literal(DOWNLOAD_CHANNEL), method: v.literal('status'), data: v.object(transfer) }),
  /** Keeps the worker alive while a download is open and nothing else is sent; answered like `status`. */
  v.object({ channel: v.literal(DOWNLOAD_CHANNEL), method: v.literal('ping'), data: v.object(transfer) }),
]);
export type DownloadRequest = v.InferOutput<typeof downloadRequestSchema>;
export type DownloadMethod = DownloadRequest['method'];
export type DownloadRequestData<M extends DownloadMethod> = Extract<DownloadRequest, { method: M }>['data'];

/**
 * - `opened`: registered, the browser has not requested it yet;
 * - `streaming`: the browser is saving it;
 * - `complete`: closed with every byte: saved;
 * - `failed`: aborted by the page, or the stream broke;
 * - `cancelled`: the person cancelled it in the browser's downloads.
 */
export const downloadStateSchema = v.picklist(['opened', 'streaming', 'complete', 'failed', 'cancelled']);
export type DownloadState = v.InferOutput<typeof downloadStateSchema>;

/** Every successful answer says where the download stands: `written` is the offset of the next byte it expects. */
export const downloadStatusSchema = v.object({ state: downloadStateSchema, written: byteOffsetSchema, size: byteOffsetSchema });
export type DownloadStatus = v.InferOutput<typeof downloadStatusSchema>;

export const downloadErrorCodeSchema = v.picklist([
  'invalid', // the request failed validation
  'not_found', // no such download here (never opened, or the worker restarted and lost it)
  'exists', // `open` for a download that is still open
  'not_started', // the browser never requested the download's URL
  'gap', // a chunk starts beyond the next expected byte
  'too_long', // bytes beyond the file's size
  'incomplete', // `close` before every byte was given
  'ended', // the download is complete, failed or cancelled: it takes nothing more
]);
export type DownloadErrorCode = v.InferOutput<typeof downloadErrorCodeSchema>;

export const downloadReplySchema = v.variant('ok', [
  v.object({ ok: v.literal(true), data: downloadStatusSchema }),
  v.object({
    ok: v.literal(false),
    error: v.object({ code: downloadErrorCodeSchema, message: v.string() }),
    /** Where the download stands, when it exists. */
    status: v.optional(downloadStatusSchema),
  }),
]);
export type DownloadReply = v.InferOutput<typeof downloadReplySchema>;

/** The URL the browser downloads a transfer from. */
export function downloadUrl(transferId: string): string {
  return `${DOWNLOAD_PATH_PREFIX}${transferId}`;
}
