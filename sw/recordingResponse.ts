import { webmHeaderWithDuration, WebmHeaderError, isWebm } from '../app/recording/webmDuration.ts';
import type { RecordingMeta } from '../app/recording/ports.ts';
import { contentDisposition, downloadContentType } from './downloadHeaders.ts';

/*
 * A stored recording as a download: streamed from IndexedDB one chunk at a time as the browser takes it (never the
 * file in memory), WebM given its duration by a new header (app/recording/webmDuration.ts), MP4 as recorded.
 *
 * A recording still being written downloads as it was when the download began: the chunks its meta counted then,
 * with that duration — a file that plays to that point (the meta never counts a chunk that is not stored). Chunks
 * written meanwhile are not in it; saving again later gets them.
 */

/** What the response reads: the store's meta and chunks (IdbRecordingStore). */
export interface RecordingSource {
  get(id: string): Promise<RecordingMeta | undefined>;
  chunk(id: string, seq: number): Promise<Blob | undefined>;
}

/** The header is a few hundred bytes at the start of chunk 0; this much of it is read to find it. */
const HEADER_SEARCH_BYTES = 64 * 1024;

const pad = (value: number) => String(value).padStart(2, '0');

/** `Huddle <room> 2026-11-26 19-30.webm`: the room and the local time recording began; the extension from the type. */
export function recordingFileName(meta: Pick<RecordingMeta, 'room' | 'startedAt' | 'mimeType'>): string {
  const at = new Date(meta.startedAt);
  const date = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}-${pad(at.getMinutes())}`;
  const type = downloadContentType(meta.mimeType);
  const extension = type.endsWith('/mp4') ? 'mp4' : type.endsWith('/webm') ? 'webm' : type.endsWith('/x-matroska') ? 'mkv' : 'bin';
  return ['Huddle', meta.room.trim(), date, time].filter((part) => part !== '').join(' ') + `.${extension}`;
}

const text = (message: string, status: number) =>
  new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });

const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());

/** The new header for chunk 0, or none (saved as recorded) for MP4 and for a WebM the rewrite refuses. */
async function durationHeader(meta: RecordingMeta, first: Blob): Promise<{ header: Uint8Array; resumeAt: number }> {
  const start = await bytesOf(first.slice(0, HEADER_SEARCH_BYTES));
  if (!isWebm(start)) return { header: new Uint8Array(0), resumeAt: 0 };
  try {
    return webmHeaderWithDuration(start, meta.durationMs);
  } catch (error) {
    // Without a duration it still plays everywhere, only shows no length: better than no file.
    if (error instanceof WebmHeaderError) return { header: new Uint8Array(0), resumeAt: 0 };
    throw error;
  }
}

/** The download of recording `id`: 200 with the streamed file, or 404 in words. */
export async function recordingResponse(source: RecordingSource, id: string): Promise<Response> {
  const meta = await source.get(id);
  if (!meta) return text('There is no such recording on this device: it may have been deleted.', 404);
  const first = meta.chunks > 0 ? await source.chunk(id, 0) : undefined;
  if (!first) return text('This recording has nothing in it yet.', 404);
  const { header, resumeAt } = await durationHeader(meta, first);
  // The snapshot: these chunks, this length, whatever the recorder adds meanwhile.
  const chunks = meta.chunks;
  const length = header.length + meta.bytes - resumeAt;
  let next = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (next === 0) {
          controller.enqueue(header);
          controller.enqueue(await bytesOf(first.slice(resumeAt)));
        } else {
          const chunk = await source.chunk(id, next);
          // Deleted while saving: an error, which with Content-Length makes the browser fail the download.
          if (!chunk) return controller.error(new Error(`Recording ${id} was deleted while it was being saved.`));
          controller.enqueue(await bytesOf(chunk));
        }
        next++;
        if (next === chunks) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, {
    status: 200,
    headers: {
      'Content-Disposition': contentDisposition(recordingFileName(meta)),
      'Content-Type': downloadContentType(meta.mimeType),
      'Content-Length': String(length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
