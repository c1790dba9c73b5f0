/**
 * File transfer through the SFU, real Chromium and server on loopback, in one run:
 * 1. Throughput: Alice sends Bob a file with the app (Send file → Accept → the service worker's download, acks,
 *    IndexedDB, SHA-256), timed on Bob's page from the first byte to "verified"; then the raw path between the
 *    same two pages through the same SFU (a bare file link: DataProducer → mediasoup → DataConsumer, 64 KiB
 *    frames, bufferedAmount backpressure, nothing else). Ratio app ÷ raw (goal ≥ 0.8).
 * 2. Memory: Bob's page JS heap (CDP Runtime.getHeapUsage, every 500 ms) while he receives 1 GiB: growth over the
 *    heap before the transfer (goal ≤ 64 MiB), and the resident memory of all renderers (the service worker's too).
 * 3. Chat while a file flows: Alice writes a message every 200 ms during the transfer; keystroke → shown on Bob.
 * Run: npm run bench:files [-- <MiB for 1> <MiB for 2>]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import { joinRoom, launchBrowser, PHONE } from '../test/support/browser.ts';
import { sendChat } from '../test/support/chat.ts';
import { chatProbeScript } from '../test/support/chatProbe/bundle.ts';
import type { FileProbe } from '../test/support/chatProbe/page.ts';
import { acceptFile, expectTransferDone, makeFile, progressOf, sendFile, testDir } from '../test/support/files.ts';
import { waitUntil } from '../test/support/poll.ts';
import { startServer } from '../test/support/server.ts';

const MiB = 1024 * 1024;
const throughputMiB = Number(process.argv[2] ?? 256);
const heapMiB = Number(process.argv[3] ?? 1024);

const server = await startServer({ LOG_LEVEL: 'warn' });
const browser = await launchBrowser();
const dir = testDir();

/** A phone-sized page; CSP bypassed so the raw probe can be put into the same page (the app's CSP forbids inline scripts). */
async function phone(): Promise<Page> {
  return (await browser.newContext({ viewport: PHONE, bypassCSP: true })).newPage();
}

async function pair(room: string): Promise<[Page, Page]> {
  const alice = await phone();
  const bob = await phone();
  await joinRoom(alice, server.url, room, 'Alice');
  await joinRoom(bob, server.url, room, 'Bob');
  await bob.waitForFunction(() => navigator.serviceWorker.controller !== null);
  return [alice, bob];
}

/** Sends a file Alice → Bob with the app; returns MiB/s from Bob's first byte to his "verified". */
async function appTransfer(alice: Page, bob: Page, name: string, size: number, during?: () => Promise<void>): Promise<number> {
  const file = makeFile(dir, name, size);
  await sendFile(alice, file.path, 'Bob');
  await acceptFile(bob, name);
  await waitUntil(async () => (await progressOf(bob, name)) > 0, 'the first bytes', 30_000);
  const started = performance.now();
  await Promise.all([expectTransferDone(bob, name, 600_000), during?.()]);
  const seconds = (performance.now() - started) / 1000;
  rmSync(file.path);
  return size / MiB / seconds;
}

/** The raw path between the same two pages: a bare file link each, through the same SFU. */
async function rawTransfer(alice: Page, bob: Page, room: string, size: number): Promise<{ rate: number; lost: number }> {
  const script = await chatProbeScript();
  type ProbeWindow = { openFileProbe(url: string, room: string, name: string): Promise<FileProbe>; probe: FileProbe };
  const wsUrl = server.url.replace(/^http/, 'ws') + '/ws';
  for (const [page, name] of [[alice, 'raw-a'], [bob, 'raw-b']] as const) {
    await page.addScriptTag({ content: script });
    await page.evaluate(
      async ({ url, room, name }) => {
        const probe = globalThis as unknown as ProbeWindow;
        probe.probe = await probe.openFileProbe(url, room, name);
      },
      { url: wsUrl, room, name },
    );
  }
  const target = await bob.evaluate(() => (globalThis as unknown as ProbeWindow).probe.peerId);
  await alice.evaluate(({ target, size }) => (globalThis as unknown as ProbeWindow).probe.push(target, size, 64 * 1024), { target, size });
  let last = -1;
  await waitUntil(
    async () => {
      const now = await bob.evaluate(() => (globalThis as unknown as ProbeWindow).probe.received.bytes);
      const settled = now === last || now >= size;
      last = now;
      return settled;
    },
    'the raw transfer to finish',
    120_000,
  );
  const received = await bob.evaluate(() => ({ ...(globalThis as unknown as ProbeWindow).probe.received }));
  return { rate: received.bytes / MiB / ((received.lastAt - received.firstAt) / 1000), lost: size - received.bytes };
}

async function heapUsed(session: CDPSession): Promise<number> {
  const { usedSize } = (await session.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usedSize;
}

/**
 * Resident memory of every Chromium renderer process, summed (MiB): the service worker that streams downloads runs
 * in one of them, and CDP offers no heap reading for it through playwright.
 */
function renderersRss(): number {
  let kib = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return kib / 1024;
}

// 1. Throughput, app vs raw, same pages, same SFU.
const [alice, bob] = await pair('bench-files');
const app = await appTransfer(alice, bob, 'throughput.bin', throughputMiB * MiB);
process.stdout.write(`app: ${app.toFixed(1)} MiB/s\n`);
const raw = await rawTransfer(alice, bob, 'bench-files', throughputMiB * MiB);
process.stdout.write(
  `throughput (${throughputMiB} MiB): app ${app.toFixed(1)} MiB/s, raw ${raw.rate.toFixed(1)} MiB/s (${raw.lost} bytes lost), ratio ${(app / raw.rate).toFixed(2)}\n`,
);

// 2 + 3. Heap while receiving, and chat latency meanwhile: fresh pages (no probe in them), the first two closed (four
// pages with cameras on two cores would halve everything).
await Promise.all([alice.context().close(), bob.context().close()]);
const [sender, receiver] = await pair('bench-files-heap');
const pageSession = await receiver.context().newCDPSession(receiver);
await pageSession.send('HeapProfiler.collectGarbage');
const pageBase = await heapUsed(pageSession);
const rssBase = renderersRss();
let pageMax = pageBase;
let rssMax = rssBase;
const sampler = setInterval(() => {
  void heapUsed(pageSession).then((used) => (pageMax = Math.max(pageMax, used)));
  rssMax = Math.max(rssMax, renderersRss());
}, 500);
const latencies: number[] = [];
const writeWhileSending = async () => {
  for (let index = 0; index < 20; index++) {
    const text = `during transfer ${index}`;
    const sentAt = Date.now();
    await sendChat(sender, text);
    await receiver.getByRole('log', { name: 'Chat' }).getByText(text, { exact: true }).waitFor({ timeout: 10_000 });
    latencies.push(Date.now() - sentAt);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};
const heapRate = await appTransfer(sender, receiver, 'heap.bin', heapMiB * MiB, writeWhileSending);
clearInterval(sampler);
latencies.sort((a, b) => a - b);
process.stdout.write(
  `heap (${heapMiB} MiB at ${heapRate.toFixed(1)} MiB/s): page ${(pageBase / MiB).toFixed(1)} → max ${(pageMax / MiB).toFixed(1)} MiB ` +
    `(+${((pageMax - pageBase) / MiB).toFixed(1)}); renderers' RSS ${rssBase.toFixed(0)} → max ${rssMax.toFixed(0)} MiB ` +
    `(+${(rssMax - rssBase).toFixed(0)})\n`,
);
process.stdout.write(
  `chat during the transfer: p50 ${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies.at(-1)} ms (send → shown, incl. typing)\n`,
);

await browser.close();
await server.stop();
rmSync(dir, { recursive: true, force: true });
