import type { StoredChunk, StoredIncoming, TransferStore } from '../storage/transferStore.ts';
import { INTERRUPTED } from './messages.ts';
import type { DownloadSink, Downloads } from './ports.ts';

/**
 * After a reload: the download the service worker kept open for a received file, and the kept chunks it lacks, when
 * together they still hold every byte below the persisted offset (the transfer goes on from there: nothing below it
 * is asked for again). Otherwise undefined, the download (if any) dropped: the transfer cannot go on.
 */
export async function takeUpDownload(
  record: StoredIncoming,
  downloads: Downloads,
  store: TransferStore,
): Promise<{ sink: DownloadSink; kept: StoredChunk[] } | undefined> {
  const sink = await downloads.reattach(record.id);
  if (!sink) return undefined;
  const kept = await store.loadChunks(record.id, sink.written);
  const covered = kept.reduce((end, chunk) => (chunk.offset <= end ? chunk.offset + chunk.bytes.byteLength : end), sink.written);
  if (covered >= record.received) return { sink, kept };
  await sink.abort(INTERRUPTED).catch(() => {});
  return undefined;
}
