import { createHash, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import type { FileMeta } from '../../shared/protocol/index.ts';
import { PHONE } from '../support/browser.ts';
import { downloadsProbeScript } from '../support/downloadsProbe/bundle.ts';
import { controlledPage, loadProbe, type ProbeWindow } from '../support/downloadsProbe/pages.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { jsMemory, pageCdp, sampleMemory, workerCdp } from '../support/jsMemory.ts';
import { patternBytes } from '../support/patternBytes.ts';

/*
 * Received files stream to disk through the service worker: the app's own page-side module (app/files/download.ts,
 * bundled into support/downloadsProbe) gives the built app's worker the bytes, and Chromium saves the download.
 */
const env = useServerAndBrowser();
let probeScript: string;
beforeAll(async () => {
  probeScript = await downloadsProbeScript();
});

const MiB = 1024 * 1024;

const newPage = () => controlledPage(env.browser, env.server.url, probeScript);

function meta(name: string, size: number, type = ''): FileMeta {
  return { name, size, type, firstChunkSha256: createHash('sha256').update(patternBytes(0, Math.min(size, 64 * 1024))).digest('hex') };
}

/** The SHA-256 of the test pattern's first `size` bytes. */
function patternSha256(size: number): string {
  const hash = createHash('sha256');
  for (let offset = 0; offset < size; offset += 4 * MiB) hash.update(patternBytes(offset, Math.min(4 * MiB, size - offset)));
  return hash.digest('hex');
}

async function savedFile(download: Download): Promise<{ size: number; sha256: string }> {
  const path = await download.path();
  const bytes = await readFile(path);
  return { size: (await stat(path)).size, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const open = (page: Page, id: string, file: FileMeta) =>
  page.evaluate(([transferId, m]) => (globalThis as unknown as ProbeWindow).downloadsProbe.open(transferId, m), [id, file] as const);
const write = (page: Page, id: string, from: number, to: number) =>
  page.evaluate(([transferId, a, b]) => (globalThis as unknown as ProbeWindow).downloadsProbe.write(transferId, a, b), [id, from, to] as const);
const close = (page: Page, id: string) => page.evaluate((transferId) => (globalThis as unknown as ProbeWindow).downloadsProbe.close(transferId), id);
const abort = (page: Page, id: string, reason: string) =>
  page.evaluate(([transferId, why]) => (globalThis as unknown as ProbeWindow).downloadsProbe.abort(transferId, why), [id, reason] as const);

const written = (page: Page, id: string) => page.evaluate((transferId) => (globalThis as unknown as ProbeWindow).downloadsProbe.written(transferId), id);
const reattach = (page: Page, id: string) =>
  page.evaluate((transferId) => (globalThis as unknown as ProbeWindow).downloadsProbe.reattach(transferId), id);

describe('a received file streamed through the service worker', () => {
  test('64 MiB given in 64 KiB pieces is saved under its non-ASCII name, whole and exact, with page and worker memory flat', async () => {
    const { context, page } = await newPage();
    const id = randomUUID();
    const size = 64 * MiB;
    const file = meta('Résumé – 報告 🎉.bin', size);
    expect(await page.evaluate(() => (globalThis as unknown as ProbeWindow).downloadsProbe.supported())).toBe(true);
    const sides = { page: pageCdp(await context.newCDPSession(page)), worker: await workerCdp(env.browser, page) };
    const before = { page: 0, worker: 0 };
    for (const side of ['page', 'worker'] as const) {
      await sides[side]('HeapProfiler.collectGarbage');
      before[side] = await jsMemory(sides[side]);
    }

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), open(page, id, file)]);
    expect(download.suggestedFilename()).toBe('Résumé – 報告 🎉.bin');
    const samplers = { page: sampleMemory(sides.page), worker: sampleMemory(sides.worker) };
    const started = Date.now();
    // In quarters: after each, what each side still holds once garbage is collected.
    const retained = { page: [] as number[], worker: [] as number[] };
    for (let quarter = 0; quarter < 4; quarter++) {
      await write(page, id, (quarter * size) / 4, ((quarter + 1) * size) / 4);
      for (const side of ['page', 'worker'] as const) {
        await sides[side]('HeapProfiler.collectGarbage');
        retained[side].push(((await jsMemory(sides[side])) - before[side]) / MiB);
      }
    }
    await close(page, id);
    const seconds = (Date.now() - started) / 1000;
    const highest = { page: ((await samplers.page.stop()) - before.page) / MiB, worker: ((await samplers.worker.stop()) - before.worker) / MiB };

    expect(await download.failure()).toBeNull();
    expect(await savedFile(download)).toEqual({ size, sha256: patternSha256(size) });
    const figures = (side: 'page' | 'worker') =>
      `${side} ${(before[side] / MiB).toFixed(1)} MiB before, retained after each 16 MiB ${retained[side].map((figure) => `+${figure.toFixed(1)}`).join(', ')} MiB, highest (garbage included) +${highest[side].toFixed(1)} MiB`;
    console.info(`[downloads] 64 MiB in ${seconds.toFixed(1)} s (${(64 / seconds).toFixed(0)} MiB/s); JS memory (heap + ArrayBuffers): ${figures('page')}; ${figures('worker')}`);
    // Flat: what either side keeps does not grow with the bytes streamed, and even uncollected garbage stays far below the file.
    for (const side of ['page', 'worker'] as const) {
      for (const figure of retained[side]) expect(figure, side).toBeLessThan(4);
      expect(highest[side], side).toBeLessThan(32);
    }
    // And the meter would have seen it: the same 64 MiB kept by the page shows.
    await page.evaluate((bytes) => void ((globalThis as unknown as { kept: Uint8Array }).kept = new Uint8Array(bytes).fill(1)), size);
    expect((await jsMemory(sides.page)) - before.page).toBeGreaterThan(size);
    await context.close();
  });

  test('two files received at once in one page are both saved, each whole', async () => {
    const { context, page } = await newPage();
    const files = [
      { id: randomUUID(), file: meta('first.bin', 3 * MiB + 1) },
      { id: randomUUID(), file: meta('second.bin', 5 * MiB - 7) },
    ];
    const downloads: Download[] = [];
    page.on('download', (download) => downloads.push(download));
    await Promise.all(files.map(({ id, file }) => open(page, id, file)));
    await Promise.all(files.map(({ id, file }) => write(page, id, 0, file.size).then(() => close(page, id))));
    await expect.poll(() => downloads.length, { timeout: 15_000 }).toBe(2);
    for (const { file } of files) {
      const download = downloads.find((candidate) => candidate.suggestedFilename() === file.name);
      if (!download) throw new Error(`no download of ${file.name}`);
      expect(await savedFile(download)).toEqual({ size: file.size, sha256: patternSha256(file.size) });
    }
    await context.close();
  });

  test('an abort mid-stream fails the download in the browser', async () => {
    const { context, page } = await newPage();
    const id = randomUUID();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), open(page, id, meta('half.bin', 8 * MiB))]);
    await write(page, id, 0, 4 * MiB);
    await abort(page, id, 'The sender cancelled');
    expect(await download.failure()).not.toBeNull();
    await context.close();
  });

  test('an abort after every byte arrived (a SHA-256 mismatch) still fails the download: nothing is saved unverified', async () => {
    const { context, page } = await newPage();
    const id = randomUUID();
    const size = 2 * MiB + 123;
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), open(page, id, meta('mismatch.bin', size))]);
    expect(await write(page, id, 0, size)).toBe(size);
    await abort(page, id, 'SHA-256 mismatch');
    expect(await download.failure()).not.toBeNull();
    await context.close();
  });

  test('cancelled in the browser: the page is told so at its next write', async () => {
    const { context, page } = await newPage();
    const id = randomUUID();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), open(page, id, meta('unwanted.bin', 8 * MiB))]);
    await write(page, id, 0, MiB);
    await download.cancel();
    expect(await download.failure()).toBe('canceled');
    await expect(write(page, id, MiB, 8 * MiB)).rejects.toThrow('The download was cancelled in the browser');
    await context.close();
  });

  test('without a service worker (blocked, as in some private windows) downloads are not supported', async () => {
    const context = await env.browser.newContext({ viewport: PHONE, bypassCSP: true, serviceWorkers: 'block' });
    const page = await context.newPage();
    await page.goto(env.server.url);
    await page.getByRole('button', { name: 'Join' }).waitFor();
    await page.addScriptTag({ content: probeScript });
    expect(await page.evaluate(() => (globalThis as unknown as ProbeWindow).downloadsProbe.supported())).toBe(false);
    await context.close();
  });

  test('a download address the worker does not know is a 404 from the worker, never the app', async () => {
    const { context, page } = await newPage();
    const response = await page.goto(`${env.server.url}/_download/${randomUUID()}`);
    expect(response?.status()).toBe(404);
    expect(response?.fromServiceWorker()).toBe(true);
    expect(await page.locator('#app').count()).toBe(0);
    await context.close();
  });

  test('the page reloads mid-stream: the new page reattaches and finishes one correct file', async () => {
    const { context, page } = await newPage();
    const id = randomUUID();
    const size = 48 * MiB;
    const started: Download[] = [];
    page.on('download', (download) => started.push(download));
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), open(page, id, meta('across a reload.bin', size))]);
    // Streaming, as the engine would, when the person reloads.
    const streaming = write(page, id, 0, size).catch(() => 'interrupted');
    await expect.poll(() => written(page, id), { timeout: 15_000 }).toBeGreaterThan(8 * MiB);
    await page.reload();
    expect(await streaming).toBe('interrupted');
    await loadProbe(page, probeScript);
    const resumeAt = await reattach(page, id);
    expect(resumeAt).toBeGreaterThan(8 * MiB);
    expect(resumeAt).toBeLessThan(size);
    // The new page gives what it kept, from a chunk boundary below the download's offset: the overlap is skipped.
    const from = Math.floor((resumeAt ?? 0) / (1024 * 1024)) * 1024 * 1024 - 64 * 1024;
    await write(page, id, from, size);
    await close(page, id);
    expect(await download.failure()).toBeNull();
    expect(await savedFile(download)).toEqual({ size, sha256: patternSha256(size) });
    expect(started).toHaveLength(1); // one file in the downloads, not a second one begun after the reload
    await context.close();
  });

  test('the service worker is stopped mid-stream: the download fails, never a truncated file, and the page is told', async () => {
    const { context, page } = await newPage();
    const id = randomUUID();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), open(page, id, meta('cut short.bin', 8 * MiB))]);
    await write(page, id, 0, 2 * MiB);
    const cdp = await context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    expect(await download.failure()).not.toBeNull();
    // The worker that starts again has no such download: the page's next write says so, and so does reattach.
    await expect(write(page, id, 2 * MiB, 8 * MiB)).rejects.toThrow('No such download');
    expect(await reattach(page, id)).toBeUndefined();
    await context.close();
  });
});
