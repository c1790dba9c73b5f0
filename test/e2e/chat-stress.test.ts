import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { joinRoom, launchBrowser, openPhone, peerIdOf } from '../support/browser.ts';
import {
  countSignalingRequests,
  keepWriting,
  openChat,
  requestCounts,
  shownMessages,
  shownPrefixes,
  writeBurst,
} from '../support/chat.ts';
import { freezeRenderers } from '../support/freeze.ts';
import { waitUntil } from '../support/poll.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { CHAT_TEXT_MAX_LENGTH } from '../../shared/protocol/index.ts';

/*
 * Chat under abuse: the connection cut again and again while both sides write, and a burst that overflows the
 * SFU's SCTP buffer toward a receiver (mediasoup then drops messages on a reliable channel). Nothing may be lost,
 * doubled or reordered.
 */

let browser: Browser;
let server: RunningServer;
beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startServer({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'huddle-chat-stress-')) })]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

/** Per author, the order their messages appear in. */
function byAuthor(messages: { author: string; text: string }[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const { author, text } of messages) (result[author] ??= []).push(text);
  return result;
}

async function metric(on: RunningServer, name: string): Promise<number> {
  const text = await (await fetch(`${on.url}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe('chat under stress', () => {
  test('50 forced disconnects while both keep writing: nothing lost, nothing doubled, each one’s order kept', async () => {
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    await joinRoom(alice.page, server.url, 'chat-loop', 'Alice');
    await joinRoom(bob.page, server.url, 'chat-loop', 'Bob');
    const ids = { Alice: await peerIdOf(bob.page, 'Alice camera'), Bob: await peerIdOf(alice.page, 'Bob camera') };
    const stopAlice = await keepWriting(alice.page, 'Alice says', 150);
    const stopBob = await keepWriting(bob.page, 'Bob says', 150);

    for (let drop = 1; drop <= 50; drop++) {
      const resumedBefore = count(server.output(), 'peer resumed');
      const victim = drop % 2 ? ids.Alice : ids.Bob;
      const response = await fetch(`${server.url}/__test/drop?peer=${victim}`, { method: 'POST' });
      expect(await response.json()).toEqual({ dropped: 1 });
      await waitUntil(() => count(server.output(), 'peer resumed') > resumedBefore, `resume after drop ${drop}`, 10_000);
    }
    const written = { Alice: await stopAlice(), Bob: await stopBob() };
    expect(written.Alice.length).toBeGreaterThan(50);
    expect(written.Bob.length).toBeGreaterThan(50);

    const total = written.Alice.length + written.Bob.length;
    for (const page of [alice.page, bob.page]) {
      await openChat(page);
      await waitUntil(async () => (await shownMessages(page)).length >= total, `${total} messages on both pages`, 30_000);
    }
    const [onAlice, onBob] = await Promise.all([shownMessages(alice.page), shownMessages(bob.page)]);
    for (const shown of [onAlice, onBob]) {
      expect(shown).toHaveLength(total); // nothing lost, nothing doubled
      expect(byAuthor(shown)).toEqual(written); // each one's messages, all of them, in the order written
    }
    // Both see one conversation, in the server's order.
    expect(onBob.map((message) => message.text)).toEqual(onAlice.map((message) => message.text));
    for (const [page, author] of [[alice.page, 'Alice'], [bob.page, 'Bob']] as const) {
      await expect
        .poll(async () => (await shownMessages(page)).filter((message) => message.author === author && message.state !== '✓ delivered').length)
        .toBe(0);
    }
    console.info(`50 drops: ${written.Alice.length} + ${written.Bob.length} messages, resends deduplicated by the server:`, await metric(server, 'huddle_chat_messages_duplicate_total'));
    await alice.context.close();
    await bob.context.close();
  });

  test('1 200 messages at once, more than the server takes in a burst: all arrive, in the order written', async () => {
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    await joinRoom(alice.page, server.url, 'chat-budget', 'Alice');
    await joinRoom(bob.page, server.url, 'chat-budget', 'Bob');
    // Long ones, so sending them takes longer than the server needs to earn a token back.
    const texts = Array.from({ length: 1_200 }, (_, index) => `${String(index + 1).padStart(5, '0')} `.padEnd(CHAT_TEXT_MAX_LENGTH, 'z'));
    await writeBurst(alice.page, texts);
    await expectPrefixes(bob.page, texts.map((text) => text.slice(0, 5)), 45_000);
    await alice.context.close();
    await bob.context.close();
  });

  test('a burst that overflows the SFU’s SCTP buffer toward receivers: gap repair brings every message, in order', async () => {
    const burstServer = await startServer({ SCTP_SEND_BUFFER_SIZE: process.env.BURST_SCTP_BUFFER ?? String(64 * 1024) });
    // The first reader on a phone of his own that freezes during the burst (as a phone's tab does): the SFU's buffer
    // toward him then overflows however fast this machine drains it.
    const frozenReadersBrowser = await launchBrowser();
    try {
      const sender = await openPhone(browser);
      const receivers = [await openPhone(frozenReadersBrowser), await openPhone(browser)];
      for (const { page } of receivers) await countSignalingRequests(page);
      await joinRoom(sender.page, burstServer.url, 'chat-burst', 'Sam');
      for (const [index, receiver] of receivers.entries()) await joinRoom(receiver.page, burstServer.url, 'chat-burst', `Reader ${index + 1}`);
      const fullBefore = await metric(burstServer, 'huddle_sctp_send_buffer_full_total');
      const storedBefore = await metric(burstServer, 'huddle_chat_messages_stored_total');

      // 1 000 messages of the longest kind (2 MB), written at once: the most the server takes from one person in a burst.
      const burst = Array.from({ length: 1_000 }, (_, index) => `${String(index + 1).padStart(5, '0')} `.padEnd(CHAT_TEXT_MAX_LENGTH, 'x'));
      const startedAt = Date.now();
      const thaw = await freezeRenderers(frozenReadersBrowser);
      try {
        await writeBurst(sender.page, burst);
        await waitUntil(
          async () => (await metric(burstServer, 'huddle_chat_messages_stored_total')) - storedBefore >= burst.length,
          'the whole burst stored and fanned out',
          30_000,
        );
      } finally {
        thaw();
      }

      const expected = burst.map((text) => text.slice(0, 5));
      for (const { page } of [sender, ...receivers]) await expectPrefixes(page, expected);
      const deliveredIn = Date.now() - startedAt;
      const fullAfter = await metric(burstServer, 'huddle_sctp_send_buffer_full_total');
      const historyRequests = await Promise.all(receivers.map(async ({ page }) => (await requestCounts(page)).chatHistory ?? 0));
      console.info(`burst: everywhere in ${deliveredIn} ms; SCTP send buffer full ${fullAfter - fullBefore} times; gap fetches per receiver`, historyRequests);
      expect(fullAfter - fullBefore, 'the burst filled the SFU’s SCTP send buffer').toBeGreaterThan(0);
      // Messages were lost on the way (the receivers had to fetch gaps), and none is missing on screen.
      expect(Math.max(...historyRequests)).toBeGreaterThan(0);
      for (const { context } of [sender, ...receivers]) await context.close();
    } finally {
      await frozenReadersBrowser.close();
      await burstServer.stop();
    }
  });
});

async function expectPrefixes(page: Page, expected: string[], timeout = 30_000): Promise<void> {
  await openChat(page);
  let shown: string[] = [];
  await waitUntil(
    async () => {
      shown = (await shownPrefixes(page, 5)).map((message) => message.prefix);
      return shown.length >= expected.length;
    },
    `${expected.length} messages`,
    timeout,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${shown.length} shown`);
  });
  const wrong = shown.findIndex((prefix, index) => prefix !== expected[index]);
  expect(wrong, `first out of place at ${wrong}: ${JSON.stringify(shown.slice(Math.max(0, wrong - 3), wrong + 5))}`).toBe(-1);
  expect(shown).toEqual(expected);
}
