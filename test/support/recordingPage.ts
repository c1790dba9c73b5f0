import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { build } from 'vite';

/*
 * The recording page (test/support/recordingPage/) built like the app, so that the compositor's clock worker is a
 * file of its own as in production, and served on 127.0.0.1 (a secure context: camera, microphone, IndexedDB).
 * What to read from a recorded file is in mediaProbe.ts.
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
