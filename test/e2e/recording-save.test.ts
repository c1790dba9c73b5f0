import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import type { RecordingMeta } from '../../app/recording/ports.ts';
import { PHONE } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { jsMemory, pageCdp, sampleMemory, workerCdp } from '../support/jsMemory.ts';
import { decodeErrors, mediaLength, probe } from '../support/mediaProbe.ts';
import { loadRecordingProbe, type ProbeWindow } from '../support/recordingProbe/bundle.ts';

/*
 * Saving a recording from the built app: a real MediaRecorder recording is written chunk by chunk into the app's
 * IndexedDB store (app/storage/recordingStore.ts, bundled into support/recordingProbe), and the app's service worker
 * streams it into a download from /_recording/<id> (sw/recordings.ts); ffprobe reads what Chromium saved.
 */
const env = useServerAndBrowser();

/** The probe, as seen from inside the page (page.evaluate bodies run there). */
declare const recordingProbe: ProbeWindow['recordingProbe'];

/** A phone page of the built app, controlled by its service worker, with the probe loaded. */
async function controlledPage(context?: BrowserContext): Promise<{ context: BrowserContext; page: Page }> {
  // The probe is an inline script: the app's CSP would refuse it.
  const own = context ?? (await env.browser.newContext({ viewport: PHONE, acceptDownloads: true, bypassCSP: true }));
  const page = await own.newPage();
  await page.goto(env.server.url);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
  await loadRecordingProbe(page);
  return { context: own, page };
}

/** Saves a recording as the Download button does; resolves with the saved file, its name and size. */
async function save(page: Page, id: string): Promise<{ file: string; name: string; size: number }> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 15_000 }),
    page.evaluate((recording) => recordingProbe.download(recording), id),
  ]);
  expect(await download.failure()).toBeNull();
  const file = await download.path();
  return { file, name: download.suggestedFilename(), size: (await stat(file)).size };
}

const MiB = 1024 * 1024;
const meta = (page: Page, id: string) => page.evaluate((recording) => recordingProbe.meta(recording), id);
const kinds = (streams: { codec_type: string }[]) => streams.map((stream) => stream.codec_type).sort();

describe('a recording saved through the service worker', () => {
  test('a finished recording downloads under its name with its duration, a video and an audio stream, decoding cleanly', async () => {
    const { context, page } = await controlledPage();
    const id = randomUUID();
    const stored = await page.evaluate((recording) => recordingProbe.recordIntoStore(recording, 'standup', 5_000), id);
    expect(stored).toMatchObject({ state: 'finished', room: 'standup' });
    const { file, name, size } = await save(page, id);
    expect(name).toMatch(/^Huddle standup \d{4}-\d\d-\d\d \d\d-\d\d\.webm$/);
    // The stored bytes, the header grown by its Duration (and nothing else): the Content-Length the download met.
    expect(size - (stored?.bytes ?? 0)).toBe(11);
    const probed = await probe(file);
    const length = await mediaLength(file);
    const recordedSeconds = (stored?.durationMs ?? 0) / 1000;
    const figures = await page.evaluate(() => recordingProbe.figures());
    console.info(
      `[recording-save] ${stored?.chunks} chunks, ${size} bytes; recorded ${recordedSeconds.toFixed(3)} s, media ${length.toFixed(3)} s, header ${probed.duration} s; ` +
        `longest putChunk call ${figures.longestPutCallMs.toFixed(1)} ms, longest until stored ${figures.longestPutMs.toFixed(1)} ms, longest 10 ms-timer gap ${figures.longestTimerGapMs.toFixed(1)} ms`,
    );
    expect(Math.abs((probed.duration ?? 0) - recordedSeconds) / recordedSeconds).toBeLessThan(0.1);
    expect(Math.abs(length - recordedSeconds) / recordedSeconds).toBeLessThan(0.1);
    expect(kinds(probed.streams)).toEqual(['audio', 'video']);
    expect(await decodeErrors(file)).toBe('');
    await context.close();
  });

  test('cut short by a reload, the recording is recovered with its chunks and saves a file that plays for as long', async () => {
    const { context, page } = await controlledPage();
    const id = randomUUID();
    await page.evaluate((recording) => recordingProbe.startRecordingIntoStore(recording, 'standup'), id);
    await expect.poll(async () => (await meta(page, id))?.chunks ?? 0, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    // The recorder's page goes away mid-recording, as in a crash: its lock on the recording goes with it.
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    await loadRecordingProbe(page);
    // The app itself recovers it at start-up (app/recording/device.ts); asking again finds nothing more.
    await expect.poll(async () => (await meta(page, id))?.state, { timeout: 15_000 }).toBe('recovered');
    expect(await page.evaluate(() => recordingProbe.recoverUnfinished())).toEqual([]);
    const kept = (await meta(page, id)) as RecordingMeta;
    expect(kept.chunks).toBeGreaterThanOrEqual(3);

    const { file } = await save(page, id);
    const probed = await probe(file);
    const length = await mediaLength(file);
    console.info(`[recording-save] recovered ${kept.chunks} chunks (${kept.durationMs.toFixed(0)} ms); media ${length.toFixed(3)} s, header ${probed.duration} s`);
    expect(length).toBeGreaterThanOrEqual((kept.durationMs / 1000) * 0.9);
    expect(probed.duration).toBeGreaterThanOrEqual((kept.durationMs / 1000) * 0.99);
    expect(Math.abs((probed.duration ?? 0) - length) / length).toBeLessThan(0.1);
    expect(kinds(probed.streams)).toEqual(['audio', 'video']);
    await context.close();
  });

  test('recording in another tab: not recovered there, and saved there as far as it got, a file that plays', async () => {
    const { context, page: recorder } = await controlledPage();
    const { page: other } = await controlledPage(context);
    const id = randomUUID();
    await recorder.evaluate((recording) => recordingProbe.startRecordingIntoStore(recording, 'standup'), id);
    await expect.poll(async () => (await meta(other, id))?.chunks ?? 0, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(await other.evaluate(() => recordingProbe.recoverUnfinished())).toEqual([]);
    expect((await meta(other, id))?.state).toBe('recording');

    const before = await meta(other, id);
    const { file } = await save(other, id);
    const probed = await probe(file);
    expect(kinds(probed.streams)).toEqual(['audio', 'video']);
    expect(probed.duration).toBeGreaterThanOrEqual(((before?.durationMs ?? 0) / 1000) * 0.99);
    expect(Math.abs((probed.duration ?? 0) - (await mediaLength(file))) / (probed.duration ?? 1)).toBeLessThan(0.1);
    await context.close();
  });

  test('a 48 MiB recording saves whole, with page and worker memory far below its size', async () => {
    const { context, page } = await controlledPage();
    const id = randomUUID();
    const stored = await page.evaluate(([recording, bytes]) => recordingProbe.storeLarge(recording, 'standup', bytes), [id, 48 * MiB] as const);
    const sides = { page: pageCdp(await context.newCDPSession(page)), worker: await workerCdp(env.browser, page) };
    const before = { page: 0, worker: 0 };
    for (const side of ['page', 'worker'] as const) {
      await sides[side]('HeapProfiler.collectGarbage');
      before[side] = await jsMemory(sides[side]);
    }
    const samplers = { page: sampleMemory(sides.page), worker: sampleMemory(sides.worker) };
    const started = Date.now();
    const { size } = await save(page, id);
    const seconds = (Date.now() - started) / 1000;
    const highest = { page: ((await samplers.page.stop()) - before.page) / MiB, worker: ((await samplers.worker.stop()) - before.worker) / MiB };
    expect(size).toBe((stored?.bytes ?? 0) + 11);
    console.info(
      `[recording-save] ${(size / MiB).toFixed(1)} MiB (${stored?.chunks} chunks) saved in ${seconds.toFixed(1)} s; highest JS memory (garbage included) above before: page +${highest.page.toFixed(1)} MiB, worker +${highest.worker.toFixed(1)} MiB`,
    );
    // One chunk (~40–300 KB) at a time: even uncollected garbage stays far below the file.
    for (const side of ['page', 'worker'] as const) expect(highest[side], side).toBeLessThan(16);
    await context.close();
  });

  test('an unknown or deleted recording is a 404 in words from the worker; without a worker, from the server', async () => {
    const { context, page } = await controlledPage();
    const id = randomUUID();
    await page.evaluate((recording) => recordingProbe.recordIntoStore(recording, 'standup', 1_500), id);
    await page.evaluate((recording) => recordingProbe.delete(recording), id);
    expect(await page.evaluate(() => recordingProbe.list())).toEqual([]);
    for (const missing of [id, 'never-was']) {
      const response = await page.goto(`${env.server.url}/_recording/${missing}`);
      expect(response?.status()).toBe(404);
      expect(response?.fromServiceWorker()).toBe(true);
      expect(await response?.text()).toBe('There is no such recording on this device: it may have been deleted.');
    }
    await context.close();

    const noWorker = await env.browser.newContext({ viewport: PHONE, serviceWorkers: 'block' });
    const response = await (await noWorker.newPage()).goto(`${env.server.url}/_recording/${id}`);
    expect(response?.status()).toBe(404);
    expect(await response?.text()).toContain('Recordings are kept in your browser and saved by the app');
    await noWorker.close();
  });
});
