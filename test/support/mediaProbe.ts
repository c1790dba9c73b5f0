import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/* What ffprobe/ffmpeg (Debian's, installed by the setup) read in a saved recording: what a player would show. */

const run = promisify(execFile);

export type ProbedFile = {
  /** The container's duration in seconds, as players show it; undefined when the file does not say. */
  duration: number | undefined;
  streams: { codec_type: string; codec_name: string }[];
};

export async function probe(file: string): Promise<ProbedFile> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file]);
  const parsed = JSON.parse(stdout) as { format: { duration?: string }; streams: { codec_type: string; codec_name: string }[] };
  const duration = parsed.format.duration === undefined ? undefined : Number(parsed.format.duration);
  return { duration, streams: parsed.streams.map(({ codec_type, codec_name }) => ({ codec_type, codec_name })) };
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

/** ffmpeg's complaints while decoding every stream (empty when the file decodes cleanly). */
export async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
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
