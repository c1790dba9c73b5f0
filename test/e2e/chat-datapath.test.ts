import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ChatMessage } from '../../shared/protocol/index.ts';
import { launchBrowser } from '../support/browser.ts';
import { chatProbeScript } from '../support/chatProbe/bundle.ts';
import { freezeRenderers } from '../support/freeze.ts';
import type { ChatProbe } from '../support/chatProbe/page.ts';
import { waitUntil } from '../support/poll.ts';
import { metricOf as metric } from '../support/metrics.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * The server's chat path over real data channels: Chromium's SCTP through mediasoup (WebRtcTransport DataProducer →
 * the server's DirectTransport → the room feed → each peer's DataConsumer), driven by a bare protocol client
 * (support/chatProbe) rather than the app, so a test can resend and burst exactly.
 */

let browser: Browser;
/** Bob's own browser in the burst test, so his page alone can be frozen. */
let bobsBrowser: Browser | undefined;
let script: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  [browser, script] = await Promise.all([launchBrowser(), chatProbeScript()]);
});
afterAll(async () => {
  await browser?.close();
  await bobsBrowser?.close();
  await Promise.all(servers.map((server) => server.stop()));
});

async function server(env: Record<string, string> = {}): Promise<RunningServer> {
  const started = await startServer({ HTTPS: 'off', ...env });
  servers.push(started);
  return started;
}

type ProbeWindow = { openChat(url: string, room: string, name: string): Promise<ChatProbe>; chat: ChatProbe };

/** A page (its own browser context) joined to `room` with its chat channels open. */
async function person(at: RunningServer, room: string, name: string, inBrowser = browser): Promise<Page> {
  const context = await inBrowser.newContext({ bypassCSP: true }); // the probe is an inline script
  const page = await context.newPage();
  await page.goto(`${at.url}/healthz`);
  await page.addScriptTag({ content: script });
  await page.evaluate(
    async ([url, roomName, personName]) => {
      const probe = globalThis as unknown as ProbeWindow;
      probe.chat = await probe.openChat(url, roomName, personName);
    },
    [`${at.url.replace(/^http/, 'ws')}/ws`, room, name] as const,
  );
  return page;
}

const received = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as ProbeWindow).chat.received.map((frame) => frame.message));
const acks = (page: Page) => page.evaluate(() => (globalThis as unknown as ProbeWindow).chat.acks);
const send = (page: Page, frames: unknown[]) => page.evaluate((list) => (globalThis as unknown as ProbeWindow).chat.send(list), frames);

describe('chat over real data channels through the SFU', () => {
  test('a message reaches everyone once, in order, numbered; its sender gets an ack; a resend is only acknowledged', async () => {
    const at = await server();
    const ann = await person(at, 'datapath', 'Ann');
    const bob = await person(at, 'datapath', 'Bob');
    const frame = (id: string, text: string) => ({ type: 'send', id, text });

    await send(ann, [frame('ann-message-1', 'Hi Bob'), frame('ann-message-2', 'how are you?'), frame('ann-message-1', 'Hi Bob')]);
    await send(bob, [frame('bob-message-1', '<b>fine</b>'), 'not even JSON']);

    const expected = [
      { seq: 1, id: 'ann-message-1', name: 'Ann', text: 'Hi Bob' },
      { seq: 2, id: 'ann-message-2', name: 'Ann', text: 'how are you?' },
      { seq: 3, id: 'bob-message-1', name: 'Bob', text: '<b>fine</b>' },
    ];
    for (const page of [ann, bob]) {
      await waitUntil(async () => (await received(page)).length >= 3, 'three messages on the feed');
      await expect.poll(async () => (await received(page)).map(({ seq, id, name, text }) => ({ seq, id, name, text })), { timeout: 10_000 }).toEqual(expected);
    }
    await waitUntil(async () => (await acks(ann)).length >= 3 && (await acks(bob)).length >= 1, 'the acks');
    expect(await acks(ann)).toEqual([
      { id: 'ann-message-1', seq: 1 },
      { id: 'ann-message-2', seq: 2 },
      { id: 'ann-message-1', seq: 1 },
    ]);
    expect(await acks(bob)).toEqual([{ id: 'bob-message-1', seq: 3 }]);
    expect(await metric(at, 'huddle_chat_messages_stored_total')).toBe(3);
    expect(await metric(at, 'huddle_chat_messages_duplicate_total')).toBe(1);
    expect(await metric(at, 'huddle_chat_messages_rejected_total{reason="invalid"}')).toBe(1);
    expect(await metric(at, 'huddle_data_channel_received_bytes_total')).toBeGreaterThan(0);
    expect(await metric(at, 'huddle_data_channel_sent_bytes_total')).toBeGreaterThan(0);
  });

  test('a restarted server keeps the history and still knows every message it stored: a resend is not stored twice', async () => {
    const frame = (id: string) => ({ type: 'send', id, text: `text of ${id}` });
    const before = await server();
    const ann = await person(before, 'restart', 'Ann');
    await send(ann, [frame('before-restart')]);
    await waitUntil(async () => (await acks(ann)).length === 1, 'the ack before the restart');
    await before.stop();

    // The same DATA_DIR (support/server.ts gives every server of a test file the same one).
    const after = await server();
    const cat = await person(after, 'restart', 'Cat'); // joins first: the history is there before anyone resends
    const history = async () =>
      (await cat.evaluate(() => (globalThis as unknown as ProbeWindow).chat.request('chatHistory', { afterSeq: 0, limit: 10 }))) as {
        messages: ChatMessage[];
        lastSeq: number;
      };
    expect((await history()).messages.map(({ seq, id, name }) => ({ seq, id, name }))).toEqual([{ seq: 1, id: 'before-restart', name: 'Ann' }]);

    // Ann's app never saw the ack (say), so it sends that message again, then a new one.
    const annAgain = await person(after, 'restart', 'Ann');
    await send(annAgain, [frame('before-restart'), frame('after-restart')]);
    await waitUntil(async () => (await acks(annAgain)).length === 2, 'both acks');
    expect(await acks(annAgain)).toEqual([
      { id: 'before-restart', seq: 1 },
      { id: 'after-restart', seq: 2 },
    ]);
    expect(await metric(after, 'huddle_chat_messages_duplicate_total')).toBe(1);
    const { messages, lastSeq } = await history();
    expect(lastSeq).toBe(2);
    expect(messages.map(({ seq, id }) => [seq, id])).toEqual([
      [1, 'before-restart'],
      [2, 'after-restart'],
    ]);
    // Cat's feed carried only the new one.
    await waitUntil(async () => (await received(cat)).length >= 1, 'the new message on the feed');
    expect((await received(cat)).map((message) => message.id)).toEqual(['after-restart']);
  });

  test('a burst that overflows the SCTP send buffer loses frames on the wire, and chatHistory gives back every one', async () => {
    // A small buffer and a receiver that stops reading, so the burst overflows the buffer toward him however fast
    // this machine is (the default 4 MiB held 990 messages on loopback; with Bob reading, a busy machine drained 64 KiB).
    const at = await server({ SCTP_SEND_BUFFER_SIZE: String(64 * 1024) });
    bobsBrowser = await launchBrowser();
    const ann = await person(at, 'burst', 'Ann');
    const bob = await person(at, 'burst', 'Bob', bobsBrowser);
    const count = 900;
    const text = 'x'.repeat(1990);
    const thawBob = await freezeRenderers(bobsBrowser);
    try {
      await send(ann, Array.from({ length: count }, (_, index) => ({ type: 'send', id: `burst-${String(index).padStart(4, '0')}`, text })));
      await waitUntil(async () => (await acks(ann)).length === count, 'every message acknowledged', 30_000);
    } finally {
      thawBob();
    }

    expect(await metric(at, 'huddle_sctp_send_buffer_full_total')).toBeGreaterThan(0);
    // Both receive the feed (Ann her own messages too); mediasoup dropped some toward one or both of them on a
    // reliable, ordered channel, without reordering what got through.
    const live = await Promise.all([ann, bob].map(async (page) => (await received(page)).map((message) => message.seq)));
    expect(new Set(live[0]).size + new Set(live[1]).size).toBeLessThan(2 * count);
    for (const seqs of live) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Frames dropped at the very end would leave no later frame to show the gap: once the buffer drains, the server
    // sends the newest message again (more deliveries than two per message), so every receiver sees the last seq.
    await waitUntil(async () => (await metric(at, 'huddle_chat_messages_delivered_total')) > 2 * count, 'the newest message sent again');
    for (const page of [ann, bob]) {
      await waitUntil(async () => (await received(page)).some((message) => message.seq === count), 'the newest message on the feed');
    }
    // What a receiver that notices the gaps does: fetch what it missed.
    const history: ChatMessage[] = [];
    for (let afterSeq = 0; ; ) {
      const page = (await bob.evaluate(
        (after) => (globalThis as unknown as ProbeWindow).chat.request('chatHistory', { afterSeq: after, limit: 500 }),
        afterSeq,
      )) as { messages: ChatMessage[] };
      if (page.messages.length === 0) break;
      history.push(...page.messages);
      afterSeq = page.messages.at(-1)!.seq;
    }
    expect(history.map((message) => message.id)).toEqual(Array.from({ length: count }, (_, index) => `burst-${String(index).padStart(4, '0')}`));
    expect(history.map((message) => message.seq)).toEqual(Array.from({ length: count }, (_, index) => index + 1));
  });
});
