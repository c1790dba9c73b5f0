import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAUNCH_ARGS } from '../support/browser.ts';
import { CdpBrowser, type CdpTab } from '../support/cdpTabs.ts';
import { waitUntil } from '../support/poll.ts';
import { framesPerSecond, maxVolumeDb, videoFrameTimes } from '../support/mediaProbe.ts';
import { serveRecordingPage } from '../support/recordingPage.ts';

/*
 * The recorder's own parts (compositor, audio mix, MediaRecorder into IndexedDB) in real Chromium, on a page that
 * records a made-up meeting (test/support/recordingPage/). Driven over DevTools directly, not through Playwright:
 * Playwright keeps every page visible and unthrottled, so only here is the page behind another tab really hidden,
 * with its timers throttled to one a second, as in a person's browser.
 */

type Progress = { seconds: number; chunks: number; visibility: DocumentVisibilityState };
type Stopped = { originals: { kind: string; readyState: string; enabled: boolean }[] };

let served: Awaited<ReturnType<typeof serveRecordingPage>>;
let browser: CdpBrowser;
let dir: string;

beforeAll(async () => {
  served = await serveRecordingPage();
  browser = await CdpBrowser.launch(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', LAUNCH_ARGS);
  dir = mkdtempSync(join(tmpdir(), 'huddle-recording-test-'));
});

afterAll(async () => {
  await browser?.close();
  served?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openRecordingPage(voices: boolean): Promise<CdpTab> {
  const page = await browser.open(served.url);
  await waitUntil(async () => (await page.evaluate<string>('document.title')) === 'bench ready', 'the recording page', 30_000);
  await page.evaluate(`window.bench.setup(${voices})`);
  expect(await page.evaluate('window.bench.start()')).toBeUndefined();
  return page;
}

const progress = (page: CdpTab) => page.evaluate<Progress>('window.bench.progress()');
const untilChunks = (page: CdpTab, chunks: number) =>
  waitUntil(async () => (await progress(page)).chunks >= chunks, `${chunks} chunks stored`, 30_000);

async function stopAndSave(page: CdpTab, name: string): Promise<{ file: string; stopped: Stopped }> {
  const stopped = await page.evaluate<Stopped>('window.bench.stop()');
  const file = join(dir, name);
  writeFileSync(file, Buffer.from(await page.evaluate<string>('window.bench.file()'), 'base64'));
  return { file, stopped };
}

describe('recording in real Chromium', () => {
  it('keeps ≥ 25 fps in the file while the page is hidden behind another tab, and leaves the call’s camera and microphone live', async () => {
    const page = await openRecordingPage(true);
    await untilChunks(page, 2);
    const other = await browser.open('about:blank');
    await other.bringToFront();
    await waitUntil(async () => (await progress(page)).visibility === 'hidden', 'the recording page to be hidden');
    const hiddenFrom = (await progress(page)).seconds;
    const chunksThen = (await progress(page)).chunks;
    await untilChunks(page, chunksThen + 5);
    const hiddenTo = (await progress(page)).seconds;
    expect((await progress(page)).visibility).toBe('hidden');
    await page.bringToFront();
    await waitUntil(async () => (await progress(page)).visibility === 'visible', 'the recording page in front again');
    const { file, stopped } = await stopAndSave(page, 'hidden.webm');

    const times = await videoFrameTimes(file);
    // Half a second off each edge: the switch itself is not what is measured.
    expect(framesPerSecond(times, hiddenFrom + 0.5, hiddenTo - 0.5)).toBeGreaterThanOrEqual(25);
    expect(stopped.originals).toEqual([
      { kind: 'audio', readyState: 'live', enabled: true },
      { kind: 'video', readyState: 'live', enabled: true },
    ]);
  });

  it('muting the microphone (the call track’s `enabled`, not the model) silences it in the recording', async () => {
    const page = await openRecordingPage(false); // one's own microphone is the only sound
    await untilChunks(page, 3);
    await page.evaluate('window.bench.muteOwnMic(true)');
    const mutedFrom = (await progress(page)).seconds;
    const chunksThen = (await progress(page)).chunks;
    await untilChunks(page, chunksThen + 3);
    const mutedTo = (await progress(page)).seconds;
    const { file } = await stopAndSave(page, 'muted.webm');

    expect(await maxVolumeDb(file, 0.5, mutedFrom - 0.2)).toBeGreaterThan(-40);
    expect(await maxVolumeDb(file, mutedFrom + 0.3, mutedTo - 0.2)).toBeLessThan(-70);
  });
});
