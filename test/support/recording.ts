import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { waitUntil } from './poll.ts';

/* Reading recordings as a person's media player would: Debian's ffprobe and ffmpeg (installed by the setup). */

const run = promisify(execFile);

export type Probe = { duration: number | undefined; streams: { codec_type: string; codec_name: string; width?: number; height?: number }[] };

/** ffprobe's view of a file: its container duration (undefined when it has none) and its streams. */
export async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file]);
  const parsed = JSON.parse(stdout) as { format?: { duration?: string }; streams?: Probe['streams'] };
  const duration = parsed.format?.duration === undefined ? undefined : Number(parsed.format.duration);
  return { duration: Number.isFinite(duration) ? duration : undefined, streams: parsed.streams ?? [] };
}

/** The presentation time (s) of every video frame a decoder reads from the file, in order. */
export async function videoFrameTimes(file: string): Promise<number[]> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .map((line) => Number.parseFloat(line))
    .filter((time) => Number.isFinite(time));
}

/** One frame at `seconds`, scaled to width × height, as RGB bytes (ffmpeg seeks there as a player would). */
export async function frameAt(file: string, seconds: number, width = 320, height = 180): Promise<Uint8Array> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-ss', seconds.toFixed(2), '-i', file, '-frames:v', '1', '-vf', `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
  );
  return new Uint8Array(stdout);
}

/** How many pixels are within `tolerance` (per channel) of the colour. */
export function countColour(rgb: Uint8Array, colour: readonly [number, number, number], tolerance = 45): number {
  let count = 0;
  for (let i = 0; i + 2 < rgb.length; i += 3) {
    if (Math.abs((rgb[i] ?? 0) - colour[0]) <= tolerance && Math.abs((rgb[i + 1] ?? 0) - colour[1]) <= tolerance && Math.abs((rgb[i + 2] ?? 0) - colour[2]) <= tolerance) count++;
  }
  return count;
}

/** The spread of brightness over the picture: near 0 for a blank (one-colour) frame. */
export function brightnessSpread(rgb: Uint8Array): number {
  let sum = 0;
  let squares = 0;
  const pixels = Math.floor(rgb.length / 3);
  for (let i = 0; i < pixels; i++) {
    const luma = 0.299 * (rgb[i * 3] ?? 0) + 0.587 * (rgb[i * 3 + 1] ?? 0) + 0.114 * (rgb[i * 3 + 2] ?? 0);
    sum += luma;
    squares += luma * luma;
  }
  const mean = sum / pixels;
  return Math.sqrt(Math.max(0, squares / pixels - mean * mean));
}

/** The whole file decodes without an error ffmpeg would print (a truncated tail is allowed: `ended prematurely`). */
export async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  return stderr;
}

/** Presses Record and waits until it says it records (aria-pressed); returns when that was. */
export async function startRecording(page: Page): Promise<number> {
  const record = page.getByRole('button', { name: 'Record', exact: true });
  await record.click();
  await waitUntil(async () => (await record.getAttribute('aria-pressed')) === 'true', 'Record to be pressed');
  return Date.now();
}

/** Presses Record again and waits until it no longer records; returns when that was. */
export async function stopRecording(page: Page): Promise<number> {
  const record = page.getByRole('button', { name: 'Record', exact: true });
  await record.click();
  const stoppedAt = Date.now();
  await waitUntil(async () => (await record.getAttribute('aria-pressed')) === 'false', 'Record to be released');
  return stoppedAt;
}

/** Opens the Recordings list (its button says aria-expanded) and returns it. */
export async function openRecordings(page: Page) {
  const button = page.getByRole('button', { name: 'Recordings', exact: true });
  await button.waitFor({ timeout: 20_000 });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  const list = page.getByRole('list', { name: 'Recordings', exact: true });
  await list.waitFor();
  return list;
}
