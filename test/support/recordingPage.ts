import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { build } from 'vite';

/*
 * The recording page (test/support/recordingPage/) built like the app, so that the compositor's clock worker is a
 * file of its own as in production, and served on 127.0.0.1 (a secure context: camera, microphone, IndexedDB).
 * Plus what to read from a recorded file with Debian's ffmpeg.
 */

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

export async function serveRecordingPage(): Promise<{ url: string; close(): void }> {
  const root = new URL('./recordingPage/', import.meta.url).pathname;
  const outDir = mkdtempSync(join(tmpdir(), 'huddle-recording-page-'));
  await build({ configFile: false, root, logLevel: 'warn', build: { outDir, emptyOutDir: true, minify: false, target: 'es2022' } });
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    try {
      const body = readFileSync(join(outDir, path === '/' ? 'index.html' : path));
      response.writeHead(200, { 'content-type': TYPES[extname(path) || '.html'] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close() {
      server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** The presentation times (s) of the file's video frames. */
export function videoFrameTimes(file: string): number[] {
  return execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file])
    .toString()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number)
    .filter((time) => Number.isFinite(time));
}

/** Video frames per second of media time between `from` and `to` (s). */
export function framesPerSecond(times: readonly number[], from: number, to: number): number {
  return times.filter((time) => time >= from && time < to).length / (to - from);
}

/** The loudest sample (dBFS) of the file's sound between `from` and `to` (s); -91 is digital silence. */
export function maxVolumeDb(file: string, from: number, to: number): number {
  const result = spawnSync('ffmpeg', ['-v', 'info', '-ss', String(from), '-to', String(to), '-i', file, '-map', '0:a', '-af', 'volumedetect', '-f', 'null', '-']);
  const match = /max_volume: (-?[\d.]+|-inf) dB/.exec(String(result.stderr));
  if (!match) throw new Error(`no volume in ${file} ${from}–${to} s: ${String(result.stderr).slice(-300)}`);
  return match[1] === '-inf' ? -Infinity : Number(match[1]);
}
