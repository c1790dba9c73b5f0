import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/* What ffprobe/ffmpeg (Debian's, installed by the setup) read in a saved recording: what a player would show. */

const run = promisify(execFile);

export type ProbedFile = {
  /** The container's duration in seconds, as players show it; undefined when the file does not say. */
  duration: number | undefined;
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
};

export async function probe(file: string): Promise<ProbedFile> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file]);
  const parsed = JSON.parse(stdout) as { format: { duration?: string }; streams: ProbedFile['streams'] };
  const duration = parsed.format.duration === undefined ? undefined : Number(parsed.format.duration);
  return { duration, streams: parsed.streams.map(({ codec_type, codec_name, width, height }) => ({ codec_type, codec_name, width, height })) };
}

/** How long the media really is: the end of the last packet of any stream (seconds), read from the packets themselves. */
export async function mediaLength(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file], {
    maxBuffer: 64 * 1024 * 1024,
  });
  let end = 0;
  for (const line of stdout.trim().split('\n')) {
    const [pts, duration] = line.split(',').map(Number);
    if (Number.isFinite(pts)) end = Math.max(end, (pts ?? 0) + (Number.isFinite(duration) ? (duration ?? 0) : 0));
  }
  return end;
}

/**
 * ffmpeg's complaints while decoding every stream (empty when the file decodes cleanly). Frames keep their own
 * times in the file's own time base (`passthrough`, `-enc_time_base -1`): frames 20 ms apart are fine in a file,
 * but rounded to the null output's 1/30 s clock two of them can land on one tick, and ffmpeg would complain about
 * its own output, which says nothing about the file.
 */
export async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-enc_time_base', '-1', '-f', 'null', '-']);
  return stderr.trim();
}

/**
 * The video frame at `seconds` as raw RGB bytes: reached by seeking in the file (`-ss` before `-i`, as a player
 * seeks), or by decoding everything up to it (`-ss` after `-i`).
 */
export async function frameAt(file: string, seconds: number, how: 'seek' | 'decode' = 'seek'): Promise<Buffer> {
  const at = ['-ss', String(seconds)];
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', ...(how === 'seek' ? at : []), '-i', file, ...(how === 'decode' ? at : []), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
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

/** What share of an RGB frame's pixels is within `tolerance` (per channel) of the colour. */
export function colourShare(rgb: Uint8Array, colour: readonly [number, number, number], tolerance = 45): number {
  let count = 0;
  const pixels = Math.floor(rgb.length / 3);
  for (let i = 0; i < pixels; i++) {
    const [r, g, b] = [rgb[i * 3] ?? 0, rgb[i * 3 + 1] ?? 0, rgb[i * 3 + 2] ?? 0];
    if (Math.abs(r - colour[0]) <= tolerance && Math.abs(g - colour[1]) <= tolerance && Math.abs(b - colour[2]) <= tolerance) count++;
  }
  return count / pixels;
}

/** The spread (standard deviation) of brightness over an RGB frame: near 0 for a blank, one-colour frame. */
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

/** Video frames per second of media time between `from` and `to` (s), from `videoFrameTimes`. */
export function framesPerSecond(times: readonly number[], from: number, to: number): number {
  return times.filter((time) => time >= from && time < to).length / (to - from);
}

/** The loudest sample (dBFS) of the file's sound between `from` and `to` (s); -91 is digital silence. */
export async function maxVolumeDb(file: string, from: number, to: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-ss', String(from), '-to', String(to), '-i', file, '-map', '0:a', '-af', 'volumedetect', '-f', 'null', '-']);
  const match = /max_volume: (-?[\d.]+|-inf) dB/.exec(stderr);
  if (!match) throw new Error(`no volume in ${file} ${from}–${to} s: ${stderr.slice(-300)}`);
  return match[1] === '-inf' ? -Infinity : Number(match[1]);
}
