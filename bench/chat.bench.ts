/**
 * Chat through the SFU (data channels through mediasoup), real Chromium and server on loopback:
 * 1. Delivery latency: Ann writes messages one every 100 ms; Ben's page notes when each appears in his chat log.
 *    Both pages read the same clock, so the figure is keystroke → shown on the other phone. p50/p95.
 * 2. Outbox drain: the server is stopped, Ann writes 1 000 messages (queued in IndexedDB), the server starts again
 *    on the same port; the time from Ann's status saying Connected to her outbox being empty (none shown "queued"),
 *    and to Ben showing all 1 000.
 * Run: npm run bench:chat [-- <latency messages>]
 */
import type { Page } from 'playwright-core';
import { joinRoom, launchBrowser, openPhone } from '../test/support/browser.ts';
import { openChat, writeBurst } from '../test/support/chat.ts';
import { waitUntil } from '../test/support/poll.ts';
import { startServer } from '../test/support/server.ts';

const latencyMessages = Number(process.argv[2] ?? 300);
const QUEUED = 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Notes, in the page, the first moment each message text shows in the chat log (checked every 2 ms). */
async function watchArrivals(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = new Map<string, number>();
    (window as unknown as { __seen: Map<string, number> }).__seen = seen;
    setInterval(() => {
      for (const node of document.querySelectorAll('[role="log"] .chat-text')) {
        const text = node.textContent ?? '';
        if (!seen.has(text)) seen.set(text, Date.now());
      }
    }, 2);
  });
}

/** Notes, in the page, when each message was sent: the Enter keydown in the Message box. */
async function watchSends(page: Page): Promise<void> {
  await page.evaluate(() => {
    const sent = new Map<string, number>();
    (window as unknown as { __sent: Map<string, number> }).__sent = sent;
    document.addEventListener(
      'keydown',
      (event) => {
        const box = event.target as HTMLTextAreaElement;
        if (event.key === 'Enter' && box.getAttribute?.('aria-label') === 'Message') sent.set(box.value, Date.now());
      },
      true,
    );
  });
}

const times = (page: Page, name: '__sent' | '__seen') =>
  page.evaluate((key) => Object.fromEntries((window as unknown as Record<string, Map<string, number>>)[key]!), name);

let server = await startServer({ LOG_LEVEL: 'warn' });
const browser = await launchBrowser();
try {
  const ann = await openPhone(browser);
  const ben = await openPhone(browser);
  await joinRoom(ann.page, server.url, 'bench-chat', 'Ann');
  await joinRoom(ben.page, server.url, 'bench-chat', 'Ben');
  await Promise.all([openChat(ann.page), openChat(ben.page)]);
  await watchSends(ann.page);
  await watchArrivals(ben.page);

  // 1. Latency: one message every 100 ms, typed from inside the page (no Playwright round trip per message).
  const texts = Array.from({ length: latencyMessages }, (_, index) => `latency ${index + 1}`);
  for (const text of texts) {
    await writeBurst(ann.page, [text]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await waitUntil(async () => Object.keys(await times(ben.page, '__seen')).length >= latencyMessages, 'every message at Ben', 30_000);
  const [sent, seen] = [await times(ann.page, '__sent'), await times(ben.page, '__seen')];
  const latencies = texts.map((text) => (seen[text] ?? NaN) - (sent[text] ?? NaN)).sort((a, b) => a - b);
  process.stdout.write(
    `delivery latency over ${latencies.length} messages: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, ` +
      `max ${latencies.at(-1)} ms\n`,
  );

  // 2. Outbox drain after the server comes back.
  await server.stop();
  await ann.page.getByRole('status').filter({ hasText: /Reconnecting|reach the server/i }).waitFor({ timeout: 30_000 });
  const queued = Array.from({ length: QUEUED }, (_, index) => `queued ${index + 1}`);
  await writeBurst(ann.page, queued);
  await waitUntil(
    () =>
      ann.page.evaluate(
        (count) => [...document.querySelectorAll('[role="log"] .chat-state')].filter((n) => n.textContent?.includes('queued')).length >= count,
        QUEUED,
      ),
    `${QUEUED} messages shown as queued`,
    60_000,
  );
  await ann.page.evaluate(() => {
    const marks: Record<string, number> = {};
    (window as unknown as { __marks: Record<string, number> }).__marks = marks;
    const timer = setInterval(() => {
      const status = document.querySelector('[role="status"]')?.textContent ?? '';
      if (!marks.connected && status.includes('Connected')) marks.connected = Date.now();
      const waiting = [...document.querySelectorAll('[role="log"] .chat-state')].some((n) => n.textContent?.includes('queued'));
      if (marks.connected && !waiting) {
        marks.empty = Date.now();
        clearInterval(timer);
      }
    }, 5);
  });
  server = await startServer({ LOG_LEVEL: 'warn', PORT: String(server.port) });
  await waitUntil(() => ann.page.evaluate(() => Boolean((window as unknown as { __marks: { empty?: number } }).__marks.empty)), 'an empty outbox', 120_000);
  let seenNow: Record<string, number> = {};
  const marks = await ann.page.evaluate(() => (window as unknown as { __marks: { connected: number; empty: number } }).__marks);
  await waitUntil(async () => {
    seenNow = await times(ben.page, '__seen');
    return queued.every((text) => text in seenNow);
  }, 'Ben to show all queued messages', 120_000);
  const benLast = Math.max(...queued.map((text) => seenNow[text] ?? 0));
  process.stdout.write(
    `outbox of ${QUEUED}: Connected → empty outbox ${marks.empty - marks.connected} ms; ` +
      `Connected → Ben shows all ${benLast - marks.connected} ms\n`,
  );
} finally {
  await browser.close();
  await server.stop();
}
