/*
 * Runs in a page of the built app (bundled by ./bundle.ts): the app's own page-side modules for received files
 * (app/files/download.ts) and shared files (app/storage/sharedFiles.ts), which the built app only reaches once a
 * transfer runs, exposed as `window.downloadsProbe` so tests drive them exactly.
 */
import { ServiceWorkerDownloads } from '../../../app/files/download.ts';
import type { DownloadSink } from '../../../app/files/ports.ts';
import { listSharedFiles, rememberRoom, takeSharedFiles } from '../../../app/storage/sharedFiles.ts';
import type { FileMeta } from '../../../shared/protocol/index.ts';
import { patternBytes } from '../patternBytes.ts';

const downloads = new ServiceWorkerDownloads();
const sinks = new Map<string, DownloadSink>();

function sink(transferId: string): DownloadSink {
  const found = sinks.get(transferId);
  if (!found) throw new Error(`no open download ${transferId} on this page`);
  return found;
}

const probe = {
  supported: () => downloads.supported,
  /** Opens a download; resolves with its `written`. */
  async open(transferId: string, meta: FileMeta): Promise<number> {
    const opened = await downloads.open(transferId, meta);
    sinks.set(transferId, opened);
    return opened.written;
  },
  /** Reattaches after a reload; resolves with `written`, or undefined when the worker no longer streams it. */
  async reattach(transferId: string): Promise<number | undefined> {
    const found = await downloads.reattach(transferId);
    if (found) sinks.set(transferId, found);
    return found?.written;
  },
  /** Writes the test pattern's bytes [from, to) in pieces of `piece` bytes, each awaited as the engine does. */
  async write(transferId: string, from: number, to: number, piece = 64 * 1024): Promise<number> {
    const target = sink(transferId);
    for (let offset = from; offset < to; offset += piece) await target.write(offset, patternBytes(offset, Math.min(piece, to - offset)));
    return target.written;
  },
  /** What the page's download says it has taken so far. */
  written: (transferId: string) => sink(transferId).written,
  close: (transferId: string) => sink(transferId).close(),
  abort: (transferId: string, reason: string) => sink(transferId).abort(reason),
  rememberRoom,
  /** The files of a share, described (name, type, size, text when small). */
  async takeSharedFiles(id: string) {
    return Promise.all(
      (await takeSharedFiles(id)).map(async (file) => ({ name: file.name, type: file.type, size: file.size, text: file.size < 1024 ? await file.text() : '' })),
    );
  },
  async sharedIds(): Promise<string[]> {
    return (await listSharedFiles()).map((share) => share.id);
  },
};

export type DownloadsProbe = typeof probe;
(globalThis as unknown as { downloadsProbe: DownloadsProbe }).downloadsProbe = probe;
