/**
 * Does Chromium keep the service worker (and so a streamed download) alive while the page sends it nothing? A page
 * of the built app opens a download (sw/downloads.ts) with half its bytes given, then stays silent (no keepalive
 * pings) for the idle time; the worker is then asked for the download. Control run: the same, but the download
 * is ended before the silence — a worker that was stopped and started again has forgotten it (`not_found`).
 *
 * Playwright cannot measure this: it attaches DevTools to service workers, and Chromium never stops a worker with
 * DevTools attached. So Chromium is driven over a bare CDP connection that attaches to the page only.
 * Run: node bench/download-lifetime.bench.ts [idle seconds, default 70]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../test/support/server.ts';

const idleSeconds = Number(process.argv[2] ?? 70);

type CdpReply = { id?: number; result?: { result?: { value?: unknown }; targetId?: string; sessionId?: string } };

async function launchBareChromium(profile: string) {
  const chrome = spawn(
    process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    ['--headless=new', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const wsUrl = await new Promise<string>((resolve) => {
    let output = '';
    chrome.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /DevTools listening on (ws:\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
  });
  const socket = new WebSocket(wsUrl);
  await new Promise((resolve) => socket.addEventListener('open', resolve));
  let nextId = 1;
  const pending = new Map<number, (reply: CdpReply) => void>();
  socket.addEventListener('message', (event) => {
    const reply = JSON.parse(String(event.data)) as CdpReply;
    if (reply.id !== undefined) pending.get(reply.id)?.(reply);
  });
  const send = (method: string, params: object = {}, sessionId?: string) =>
    new Promise<CdpReply>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params, sessionId }));
    });
  return { chrome, socket, send };
}

async function run(baseUrl: string, endFirst: boolean): Promise<string> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'huddle-lifetime-'));
  const { chrome, socket, send } = await launchBareChromium(profile);
  try {
    await send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: profile });
    const targetId = (await send('Target.createTarget', { url: baseUrl })).result?.targetId;
    const sessionId = (await send('Target.attachToTarget', { targetId, flatten: true })).result?.sessionId;
    const evaluate = async (expression: string) =>
      (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId)).result?.result?.value;
    for (let i = 0; i < 100 && !(await evaluate('Boolean(navigator.serviceWorker.controller)')); i++) await new Promise((r) => setTimeout(r, 200));
    await evaluate(`window.ask = (method, data) => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      navigator.serviceWorker.controller.postMessage({ channel: 'huddle-download', method, data }, [channel.port2]);
      setTimeout(() => resolve('no answer'), 10000);
    }); 1`);
    const id = randomUUID();
    const meta = { name: 'idle.bin', size: 2000, type: '', firstChunkSha256: 'a'.repeat(64) };
    await evaluate(`(() => { const frame = document.createElement('iframe'); frame.hidden = true; frame.src = '/_download/${id}'; document.body.append(frame); return 1; })()`);
    await evaluate(`ask('open', { transferId: '${id}', meta: ${JSON.stringify(meta)} })`);
    await evaluate(`ask('chunk', { transferId: '${id}', offset: 0, bytes: new ArrayBuffer(1000) })`);
    if (endFirst) await evaluate(`ask('abort', { transferId: '${id}', reason: 'control run' })`);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const reply = (await evaluate(`ask('status', { transferId: '${id}' })`)) as { ok: boolean; data?: { state: string }; error?: { code: string } };
    return reply.ok ? `worker alive, download ${reply.data?.state}` : `worker restarted (${reply.error?.code})`;
  } finally {
    socket.close();
    chrome.kill();
    rmSync(profile, { recursive: true, force: true });
  }
}

const server = await startServer();
try {
  const [open, ended] = await Promise.all([run(server.url, false), run(server.url, true)]);
  console.log(`after ${idleSeconds} s without page messages: download open → ${open}; download ended first (control) → ${ended}`);
} finally {
  await server.stop();
}
