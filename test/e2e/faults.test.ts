import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { defaultTuning } from '../../app/files/tuning.ts';
import { FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import { expectVideoPlaying, joinAliceAndBob, launchBrowser, peerIdOf } from '../support/browser.ts';
import { chatLog, expectChatShows, sendChat, shownMessages } from '../support/chat.ts';
import { acceptFile, countersOf, expectTransferDone, makeFile, progressOf, sendFile, sha256OfFile, testDir, type TestFile } from '../support/files.ts';
import { waitUntil } from '../support/poll.ts';
import { restartServer, startServer, type RunningServer } from '../support/server.ts';

/*
 * Faults in the middle of a call: the server restarted (a deploy), the server killed (a crash), a mediasoup worker
 * killed. Each time, with a file on its way from Alice to Bob and chat written before, during and after: the pages
 * come back by themselves (no reload), see each other again, every chat message arrives once and in order on both,
 * and the file finishes from the last confirmed byte with the right SHA-256.
 */

const MiB = 1024 * 1024;
const FILE_SIZE = 128 * MiB;
/**
 * What a fault may cost the sender on top of the file: the window in flight when it struck, which the receiver never
 * confirmed (outgoing.ts), plus the one chunk a sender re-sends to probe a receiver gone silent.
 */
const RESEND_BOUND = defaultTuning.sendWindow + FILE_CHUNK_SIZE;
const dir = testDir();
/** What every server of this file starts with (a restarted one gets the same, and the same port and DATA_DIR). */
const env = { MEDIASOUP_WORKERS: '1' };
let browser: Browser;
let server: RunningServer;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startServer(env)]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

type Call = { alice: Page; bob: Page };

/** Alice and Bob in a call, each page marked so that a reload (which would clear the mark) shows. */
async function call(room: string): Promise<Call> {
  const { alice, bob } = await joinAliceAndBob(browser, server.url, room);
  for (const page of [alice.page, bob.page]) await page.evaluate(() => ((window as unknown as { __faultMark: string }).__faultMark = 'same page'));
  return { alice: alice.page, bob: bob.page };
}

async function samePage(page: Page): Promise<{ mark: string | undefined; navigations: number }> {
  return page.evaluate(() => ({
    mark: (window as unknown as { __faultMark?: string }).__faultMark,
    navigations: performance.getEntriesByType('navigation').length,
  }));
}

async function connected(page: Page, timeout = 30_000): Promise<void> {
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout });
}

/** Writes a message and checks it shows at once, not yet delivered (kept in the outbox until the server stores it). */
async function writeUndelivered(page: Page, text: string): Promise<void> {
  await sendChat(page, text);
  const shown = chatLog(page).locator('li').filter({ hasText: text });
  await expect.poll(() => shown.textContent(), { timeout: 5_000 }).toMatch(/queued|sent/);
}

/** Every message shows once, in the same order on both pages, each author's in the order written, and none waits. */
async function expectChatDelivered(call: Call, byAuthor: { Alice: string[]; Bob: string[] }, timeout = 30_000): Promise<string[]> {
  const all = [...byAuthor.Alice, ...byAuthor.Bob];
  let shown: string[] = [];
  await waitUntil(
    async () => {
      const [onAlice, onBob] = await Promise.all([shownMessages(call.alice), shownMessages(call.bob)]);
      shown = onAlice.map((message) => message.text);
      const mineDelivered = onAlice.filter((message) => byAuthor.Alice.includes(message.text)).every((message) => message.state === '✓ delivered');
      const bobsDelivered = onBob.filter((message) => byAuthor.Bob.includes(message.text)).every((message) => message.state === '✓ delivered');
      return shown.length === all.length && mineDelivered && bobsDelivered && onBob.map((message) => message.text).join('\n') === shown.join('\n');
    },
    'every chat message delivered on both pages',
    timeout,
    async () => JSON.stringify({ alice: await shownMessages(call.alice), bob: await shownMessages(call.bob) }),
  );
  expect([...shown].sort()).toEqual([...all].sort());
  for (const texts of Object.values(byAuthor)) expect(shown.filter((text) => texts.includes(text))).toEqual(texts);
  return shown;
}

/** Starts a file from Alice to Bob and lets a quarter of it arrive; resolves with Bob's download. */
async function fileUnderWay(call: Call, name: string): Promise<{ file: TestFile; download: Download }> {
  const file = makeFile(dir, name, FILE_SIZE);
  await sendFile(call.alice, file.path, 'Bob');
  const download = await acceptFile(call.bob, file.name);
  await waitUntil(async () => (await progressOf(call.bob, file.name)) >= 0.25, `${name} at 25 %`, 60_000);
  return { file, download };
}

async function expectFileSaved(call: Call, file: TestFile, download: Download): Promise<void> {
  await expectTransferDone(call.bob, file.name, 120_000);
  await expectTransferDone(call.alice, file.name, 30_000);
  expect(await sha256OfFile(await download.path())).toBe(file.sha256);
  const { bytesSent, bytesResent } = await countersOf(call.alice);
  process.stdout.write(`  file: ${bytesSent} bytes sent for ${file.size} (${bytesResent} re-sent)\n`);
  expect(bytesSent).toBeLessThanOrEqual(file.size + RESEND_BOUND);
}

describe('the server goes down during a call', () => {
  test.each(['graceful', 'kill'] as const)(
    '%s: the pages come back by themselves, see each other, lose no chat message and finish the file',
    async (how) => {
      const room = `fault-server-${how}`;
      const c = await call(room);
      const before = await Promise.all([samePage(c.alice), samePage(c.bob)]);
      const oldIds = [await peerIdOf(c.bob, 'Alice camera'), await peerIdOf(c.alice, 'Bob camera')];
      await sendChat(c.alice, 'Alice before');
      await sendChat(c.bob, 'Bob before');
      await expectChatShows(c.alice, ['Alice before', 'Bob before']);
      const { file, download } = await fileUnderWay(c, `${how}.bin`);

      const restarted = await restartServer(server, how, env, async () => {
        // Written while the server is gone: shown at once, kept on the device, sent when it is back.
        await writeUndelivered(c.alice, 'Alice while down 1');
        await writeUndelivered(c.bob, 'Bob while down');
        await writeUndelivered(c.alice, 'Alice while down 2');
      });
      server = restarted.server;
      const upAt = Date.now();
      await Promise.all([connected(c.alice), connected(c.bob)]);
      const connectedMs = Date.now() - upAt;
      // New peers (the old server's are gone), each playing the other's camera.
      await waitUntil(
        async () => (await peerIdOf(c.bob, 'Alice camera')) !== oldIds[0] && (await peerIdOf(c.alice, 'Bob camera')) !== oldIds[1],
        'both to rejoin as new peers',
        30_000,
      );
      await Promise.all([expectVideoPlaying(c.bob, 'Alice camera', 20_000), expectVideoPlaying(c.alice, 'Bob camera', 20_000)]);
      const playingMs = Date.now() - upAt;
      await sendChat(c.bob, 'Bob after');
      await sendChat(c.alice, 'Alice after');

      const shown = await expectChatDelivered(c, {
        Alice: ['Alice before', 'Alice while down 1', 'Alice while down 2', 'Alice after'],
        Bob: ['Bob before', 'Bob while down', 'Bob after'],
      });
      await expectFileSaved(c, file, download);
      const fileMs = Date.now() - upAt;
      process.stdout.write(
        `server ${how}: down ${restarted.downMs} ms; back up → connected ${connectedMs} ms, video ${playingMs} ms, file done ${fileMs} ms\n  chat: ${JSON.stringify(shown)}\n`,
      );
      expect(await Promise.all([samePage(c.alice), samePage(c.bob)])).toEqual(before);
      await Promise.all([c.alice.context().close(), c.bob.context().close()]);
    },
    240_000,
  );
});
