import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { webmHeaderWithDuration } from '../../app/recording/webmDuration.ts';
import { launchBrowser } from '../support/browser.ts';
import { decodeErrors, frameAt, mediaLength, probe } from '../support/mediaProbe.ts';
import { recordInPage, type RecordedChunks } from '../support/mediaRecording.ts';

/*
 * The header-only duration rewrite (app/recording/webmDuration.ts) on what Chromium's MediaRecorder really writes:
 * a canvas and a tone recorded for ~3 s in 1 s chunks, rewritten from chunk 0's first 4 KB and followed by the
 * stored bytes unchanged, as the service worker saves it.
 */
let browser: Browser;
let page: Page;
let recorded: RecordedChunks;
let dir: string;
beforeAll(async () => {
  [browser, dir] = await Promise.all([launchBrowser(), mkdtemp(path.join(tmpdir(), 'huddle-webm-'))]);
  page = await browser.newPage();
  recorded = await recordInPage(page, 3_000);
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Chunks 0..count-1 saved with the duration a store keeps for them (when the last one was handed over). */
async function saved(name: string, count: number): Promise<{ file: string; durationMs: number }> {
  const stored = Buffer.concat(recorded.chunks.slice(0, count));
  const durationMs = recorded.endsAtMs[count - 1] ?? 0;
  const { header, resumeAt } = webmHeaderWithDuration(new Uint8Array(stored.subarray(0, 4096)), durationMs);
  const file = path.join(dir, name);
  await writeFile(file, Buffer.concat([header, stored.subarray(resumeAt)]));
  return { file, durationMs };
}

/** What Chromium's own player makes of a file: its duration, and where it lands when seeked to the middle. */
async function inChromium(file: Buffer): Promise<{ duration: number; seekedTo: number }> {
  return page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(new Blob([bytes], { type: 'video/webm' }));
    await new Promise((resolve, reject) => {
      video.onloadedmetadata = resolve;
      video.onerror = () => reject(new Error('the video did not load'));
    });
    const duration = video.duration;
    if (!Number.isFinite(duration)) return { duration, seekedTo: Number.NaN };
    const seeked = new Promise((resolve) => (video.onseeked = resolve));
    video.currentTime = duration / 2;
    await seeked;
    return { duration, seekedTo: video.currentTime };
  }, file.toString('base64'));
}

describe('a MediaRecorder WebM given a duration by rewriting its header only', () => {
  test('ffprobe reads its length within 5 %, every stream decodes, and seeking to the middle lands on the right frame', async () => {
    expect(recorded.mimeType).toMatch(/^video\/webm/);
    expect(recorded.chunks.length).toBeGreaterThanOrEqual(3);
    const { file } = await saved('whole.webm', recorded.chunks.length);
    const length = await mediaLength(file);
    expect(length).toBeGreaterThan(2.5);
    const probed = await probe(file);
    console.info(`[webm-duration] ${recorded.chunks.length} chunks, ${recorded.chunks.reduce((sum, chunk) => sum + chunk.length, 0)} bytes; media ${length.toFixed(3)} s, header says ${probed.duration} s`);
    expect(Math.abs((probed.duration ?? 0) - length) / length).toBeLessThan(0.05);
    expect(probed.streams.map((stream) => stream.codec_type).sort()).toEqual(['audio', 'video']);
    expect(await decodeErrors(file)).toBe('');
    const middle = length / 2;
    const seeked = await frameAt(file, middle, 'seek');
    expect(seeked.length).toBe(640 * 360 * 3);
    expect(seeked.equals(await frameAt(file, middle, 'decode'))).toBe(true);
  });

  test("Chromium's player shows the length and seeks, where the file as recorded has no length at all", async () => {
    const { file } = await saved('whole.webm', recorded.chunks.length);
    const rewritten = await inChromium(await readFile(file));
    const length = await mediaLength(file);
    expect(Math.abs(rewritten.duration - length) / length).toBeLessThan(0.05);
    expect(Math.abs(rewritten.seekedTo - rewritten.duration / 2)).toBeLessThan(0.5);
    expect((await inChromium(Buffer.concat(recorded.chunks))).duration).toBe(Number.POSITIVE_INFINITY);
  });

  test('a recovered prefix (chunks 0..1, the recorder cut short) plays for as long as its chunks', async () => {
    const { file, durationMs } = await saved('prefix.webm', 2);
    const length = await mediaLength(file);
    const probed = await probe(file);
    expect(length).toBeGreaterThan(1.5);
    expect(Math.abs((probed.duration ?? 0) - length) / length).toBeLessThan(0.05);
    expect(probed.duration).toBeGreaterThanOrEqual(durationMs / 1000 - 0.05);
    expect(probed.streams.map((stream) => stream.codec_type).sort()).toEqual(['audio', 'video']);
    expect((await frameAt(file, length / 2)).length).toBe(640 * 360 * 3);
  });
});
