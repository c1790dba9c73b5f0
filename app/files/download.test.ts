import { afterEach, describe, expect, test } from 'vitest';
import type { FileMeta } from '../../shared/protocol/index.ts';
import { DownloadRegistry } from '../../sw/downloadRegistry.ts';
import { DownloadError, ServiceWorkerDownloads } from './download.ts';
import type { DownloadSink } from './ports.ts';

/*
 * The page side against the worker's real registry, in one process: messages are structured-cloned with their
 * transfers as the browser does, and a fake document plays the browser that requests the iframe's URL and reads it.
 */

const ID = '5f0c9a1e-2b3d-4c5e-8f70-9a1b2c3d4e5f';
const meta = (size: number): FileMeta => ({ name: 'movie.mp4', size, type: 'video/mp4', firstChunkSha256: 'b'.repeat(64) });
const pattern = (from: number, length: number) => Uint8Array.from({ length }, (_, i) => (from + i) % 253);

/** A worker: the current registry (replace `worker.registry` to play a restarted worker that lost everything). */
function fakeWorker() {
  const worker = {
    registry: new DownloadRegistry(),
    posted: [] as { method: string; bytes: number }[],
    postMessage(message: unknown, transfer: Transferable[]) {
      const port = transfer.find((item): item is MessagePort => item instanceof MessagePort);
      const rest = transfer.filter((item) => !(item instanceof MessagePort));
      const cloned = structuredClone(message, { transfer: rest }) as { method: string; data: { bytes?: ArrayBuffer } };
      worker.posted.push({ method: cloned.method, bytes: cloned.data.bytes?.byteLength ?? 0 });
      void worker.registry.handle(cloned).then((reply) => port?.postMessage(reply));
    },
  };
  return worker;
}

/** A document whose hidden iframe makes the "browser" request the URL from the worker and read what it streams. */
function fakeBrowser(worker: ReturnType<typeof fakeWorker>) {
  const browser = { received: [] as Uint8Array[], reader: undefined as ReadableStreamDefaultReader<Uint8Array> | undefined, frames: 0 };
  const document = {
    createElement: () => ({ hidden: false, title: '', src: '', remove: () => void browser.frames-- }),
    body: {
      append(frame: { src: string }) {
        browser.frames++;
        void worker.registry.respond(frame.src.replace('/_download/', '')).then((response) => (browser.reader = response.body?.getReader()));
      },
    },
  } as unknown as Document;
  return { browser, document };
}

/** Reads everything the download streams until it ends. */
async function readToEnd(browser: ReturnType<typeof fakeBrowser>['browser']): Promise<Buffer> {
  for (;;) {
    const { done, value } = (await browser.reader?.read()) ?? { done: true, value: undefined };
    if (done) return Buffer.concat(browser.received);
    browser.received.push(value);
  }
}

let opened: DownloadSink[] = [];
afterEach(async () => {
  // Stops keepalive timers of sinks a test left open.
  await Promise.allSettled(opened.map((sink) => sink.abort('test over')));
  opened = [];
});

function setup(keepaliveMs?: number) {
  const worker = fakeWorker();
  const { browser, document } = fakeBrowser(worker);
  const container = { controller: worker } as unknown as ServiceWorkerContainer;
  const downloads = new ServiceWorkerDownloads(container, document, keepaliveMs === undefined ? {} : { keepaliveMs });
  const open = async (size: number) => {
    const sink = await downloads.open(ID, meta(size));
    opened.push(sink);
    return sink;
  };
  return { worker, browser, downloads, open };
}

describe('downloads through the service worker, page side', () => {
  test('unsupported without a service worker controlling the page', async () => {
    const downloads = new ServiceWorkerDownloads({ controller: null } as unknown as ServiceWorkerContainer, {} as Document);
    expect(downloads.supported).toBe(false);
    await expect(downloads.open(ID, meta(1))).rejects.toMatchObject({ code: 'unsupported' });
    expect(await downloads.reattach(ID)).toBeUndefined();
    expect(new ServiceWorkerDownloads(undefined, {} as Document).supported).toBe(false);
  });

  test('a large write goes in pieces of at most 4 MiB, the caller keeps its bytes, and the browser gets them exactly', async () => {
    const { worker, browser, open } = setup();
    const size = 9 * 1024 * 1024;
    const sink = await open(size);
    const all = readToEnd(browser);
    const bytes = pattern(0, size);
    await sink.write(0, bytes);
    expect(bytes.byteLength).toBe(size); // not detached: the caller may still need them
    expect(worker.posted.filter((message) => message.method === 'chunk').map((message) => message.bytes)).toEqual([4194304, 4194304, 1048576]);
    expect(sink.written).toBe(size);
    await sink.close();
    await sink.close(); // idempotent
    expect((await all).equals(pattern(0, size))).toBe(true);
    expect(browser.frames).toBe(0); // the hidden iframe is gone once the download ended
  });

  test('a write resolves only once the browser took the bytes', async () => {
    const { browser, open } = setup();
    const sink = await open(100);
    let done = false;
    const writing = sink.write(0, pattern(0, 10)).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    await browser.reader?.read();
    await writing;
    expect(sink.written).toBe(10);
  });

  test('after a reload, reattach goes on from what the download took, skipping bytes given again', async () => {
    const { browser, downloads, open } = setup();
    const first = await open(30);
    const all = readToEnd(browser);
    await first.write(0, pattern(0, 20));
    // The "new page": a fresh Downloads over the same worker.
    const again = await downloads.reattach(ID);
    if (!again) throw new Error('not reattached');
    opened.push(again);
    expect(again.written).toBe(20);
    await again.write(10, pattern(10, 20));
    await again.close();
    expect([...(await all)]).toEqual([...pattern(0, 30)]);
    expect(await downloads.reattach('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  test('reattached after it completed (a reload right after close): writes and close are done; a failed one is gone', async () => {
    const { browser, downloads, open } = setup();
    const sink = await open(10);
    const all = readToEnd(browser);
    await sink.write(0, pattern(0, 10));
    await sink.close();
    await all;
    const again = await downloads.reattach(ID);
    expect(again?.written).toBe(10);
    await again?.write(0, pattern(0, 10));
    await again?.close();

    const other = setup();
    const failed = await other.open(10);
    await failed.abort('mismatch');
    expect(await other.downloads.reattach(ID)).toBeUndefined();
  });

  test('a worker that restarted (and lost the download) fails a waiting write through the keepalive ping', async () => {
    const { worker, open } = setup(50);
    const sink = await open(100);
    // Nobody reads: the write waits; then the worker restarts with an empty registry and never answers it.
    const writing = sink.write(0, pattern(0, 10));
    worker.registry = new DownloadRegistry();
    await expect(writing).rejects.toMatchObject({ code: 'not_found' });
    expect(worker.posted.map((message) => message.method)).toContain('ping');
    await expect(sink.write(10, pattern(10, 10))).rejects.toBeInstanceOf(DownloadError);
    // The download is failed already: aborting it is not an error.
    await expect(sink.abort('gone')).resolves.toBeUndefined();
  });

  test('cancelled in the browser: the write fails saying so', async () => {
    const { browser, open } = setup();
    const sink = await open(100);
    const writing = sink.write(0, pattern(0, 10));
    await browser.reader?.cancel();
    await expect(writing).rejects.toMatchObject({ code: 'ended', status: { state: 'cancelled' } });
  });
});
