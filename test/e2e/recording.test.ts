import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { audioPeak, expectVideoPlaying, joinRoom, openPhone, tile } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { testDir } from '../support/files.ts';
import { waitUntil } from '../support/poll.ts';
import { brightnessSpread, colourShare, decodeErrors, frameAt, probe, videoFrameTimes } from '../support/mediaProbe.ts';
import { openRecordings, startRecording, stopRecording } from '../support/recording.ts';

/*
 * Recording in the browser, as a person does it: Record in the call's controls, the Recordings list, Download
 * through the service worker; the saved file read by ffprobe/ffmpeg as a media player would read it.
 */

const env = useServerAndBrowser();
const dir = testDir();
/** The pen colour the test draws with ("Red" in the Pen colour choice: #ff2d55). */
const RED: [number, number, number] = [255, 45, 85];

/** Bob shares his screen; Alice picks the red pen and draws a thick zigzag over it. */
async function shareAndAnnotate(alice: Page, bob: Page): Promise<void> {
  await bob.getByRole('button', { name: 'Share screen' }).click();
  await expectVideoPlaying(alice, 'Bob screen', 20_000);
  await alice.getByRole('button', { name: 'Draw', exact: true }).click();
  await alice.getByRole('radiogroup', { name: 'Pen colour' }).getByRole('radio', { name: 'Red' }).check();
  const box = await tile(alice, 'Bob screen').boundingBox();
  if (!box) throw new Error('no screen tile');
  const y = box.y + box.height / 2;
  await alice.mouse.move(box.x + box.width * 0.2, y);
  await alice.mouse.down();
  for (let step = 1; step <= 12; step++) await alice.mouse.move(box.x + box.width * (0.2 + step * 0.05), y + (step % 2 ? 12 : -12), { steps: 3 });
  await alice.mouse.up();
  // Bob's page got the stroke too: it went through the server, so it is part of the meeting, not a local doodle.
  await waitUntil(() => overlayHasColour(bob, 'Bob screen'), 'the stroke on Bob’s own screen tile', 15_000);
}

async function overlayHasColour(page: Page, label: string): Promise<boolean> {
  return tile(page, label)
    .locator('canvas')
    .evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
      if (!pixels) return false;
      for (let i = 0; i < pixels.length; i += 4) if ((pixels[i + 3] ?? 0) > 200 && (pixels[i] ?? 0) > 200 && (pixels[i + 1] ?? 0) < 90) return true;
      return false;
    });
}

/** Opens the Recordings list, presses the only item's Download, and saves the file the browser downloads. */
async function downloadOnlyRecording(page: Page, name: string): Promise<string> {
  const list = await openRecordings(page);
  const item = list.getByRole('listitem');
  await waitUntil(async () => (await item.count()) === 1, 'one recording in the list', 15_000);
  const download = page.waitForEvent('download', { timeout: 30_000 });
  await item.getByRole('button', { name: 'Download', exact: true }).click();
  const file = join(dir, name);
  await (await download).saveAs(file);
  return file;
}

async function localTracksLive(page: Page): Promise<{ kind: string; state: string; enabled: boolean }[]> {
  return tile(page, 'Alice camera')
    .locator('video')
    .evaluate(() => {
      // The controls say what is on; the tracks behind them must still run (not stopped with the recorder's clones).
      const streams = [...document.querySelectorAll('video')].map((video) => video.srcObject).filter((s): s is MediaStream => s instanceof MediaStream);
      return streams.flatMap((stream) => stream.getTracks()).filter((track) => track.kind === 'video').map((track) => ({ kind: track.kind, state: track.readyState, enabled: track.enabled }));
    });
}

describe('recording a meeting', () => {
  test('10 s with a shared screen and an annotation, 5 s of it in the background: a seekable file with sound, the annotation, ≥ 25 fps', async () => {
    const alice = await openPhone(env.browser);
    const bob = await openPhone(env.browser);
    await joinRoom(alice.page, env.server.url, 'rec-main', 'Alice');
    await joinRoom(bob.page, env.server.url, 'rec-main', 'Bob');
    await expectVideoPlaying(alice.page, 'Bob camera');
    await shareAndAnnotate(alice.page, bob.page);

    const startedAt = await startRecording(alice.page);
    // The elapsed time shows beside the button while it records.
    await waitUntil(async () => /0:0[1-9]/.test((await alice.page.locator('#record-elapsed').textContent()) ?? ''), 'the elapsed time to count', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // Another tab in front for 5 s: animation frames nearly stop there, the recording must not.
    const other = await alice.context.newPage();
    const backgroundFrom = (Date.now() - startedAt) / 1000;
    await other.bringToFront();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await alice.page.bringToFront();
    const backgroundTo = (Date.now() - startedAt) / 1000;
    await other.close();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - startedAt))));
    const recordedSeconds = ((await stopRecording(alice.page)) - startedAt) / 1000;

    // Stopping the recording leaves the call as it was: Alice's camera and microphone still on and still reaching Bob.
    expect(await alice.page.getByRole('button', { name: 'Microphone' }).getAttribute('aria-pressed')).toBe('true');
    expect(await alice.page.getByRole('button', { name: 'Camera' }).getAttribute('aria-pressed')).toBe('true');
    expect(await localTracksLive(alice.page)).not.toContainEqual(expect.objectContaining({ state: 'ended' }));
    await expectVideoPlaying(bob.page, 'Alice camera');
    await waitUntil(async () => (await audioPeak(bob.page, 'Alice camera')) > 0.01, 'Bob to still hear Alice', 15_000);

    const file = await downloadOnlyRecording(alice.page, 'meeting.webm');
    const info = await probe(file);
    expect(info.streams.map((stream) => stream.codec_type).sort()).toEqual(['audio', 'video']);
    expect(info.streams.find((stream) => stream.codec_type === 'video')).toMatchObject({ width: 1280, height: 720 });
    expect(info.duration, 'the file states its length').toBeDefined();
    expect(Math.abs((info.duration ?? 0) - recordedSeconds) / recordedSeconds).toBeLessThan(0.1);
    expect(await decodeErrors(file)).toBe('');

    const middle = await frameAt(file, recordedSeconds / 2);
    expect(brightnessSpread(middle), 'the middle frame is not blank').toBeGreaterThan(10);
    expect(colourShare(middle, RED), 'the annotation is in the picture').toBeGreaterThan(0.001);

    const times = await videoFrameTimes(file);
    // The span in the background, less half a second at each end for the switch itself.
    const from = backgroundFrom + 0.5;
    const to = backgroundTo - 0.5;
    const framesInBackground = times.filter((time) => time >= from && time < to).length;
    expect(framesInBackground / (to - from), `frames per second while in the background (${from.toFixed(1)}–${to.toFixed(1)} s)`).toBeGreaterThanOrEqual(25);

    await alice.context.close();
    await bob.context.close();
  });

  test('a reload at 5 s: the recording is listed as recovered, downloads, and holds at least 4 s', async () => {
    const alice = await openPhone(env.browser);
    const bob = await openPhone(env.browser);
    await joinRoom(alice.page, env.server.url, 'rec-reload', 'Alice');
    await joinRoom(bob.page, env.server.url, 'rec-reload', 'Bob');
    await expectVideoPlaying(alice.page, 'Bob camera');

    const startedAt = await startRecording(alice.page);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 5_200 - (Date.now() - startedAt))));
    await alice.page.reload();
    // Back in the call by itself, and the list says what happened.
    await alice.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const list = await openRecordings(alice.page);
    await expect.poll(() => list.getByRole('listitem').filter({ hasText: 'Recovered' }).count(), { timeout: 15_000 }).toBe(1);

    const file = await downloadOnlyRecording(alice.page, 'recovered.webm');
    const info = await probe(file);
    expect(info.streams.map((stream) => stream.codec_type)).toContain('video');
    const times = await videoFrameTimes(file);
    expect(times.at(-1) ?? 0, 'seconds of video ffmpeg reads').toBeGreaterThanOrEqual(4);
    expect(info.duration ?? 0).toBeGreaterThanOrEqual(4);

    await alice.context.close();
    await bob.context.close();
  });
});
