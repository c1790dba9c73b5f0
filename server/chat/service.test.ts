import { describe, expect, test } from 'vitest';
import type { Notification } from '../../shared/protocol/index.ts';
import { CHAT_BURST, CHAT_RATE_PER_SECOND, ChatService, type ChatFeed, type ChatSender } from './service.ts';
import type { ChatHistoryStore } from './historyStore.ts';
import { ChatStore } from './store.ts';

/** A service on an in-memory store, a room feed that records what goes out, and a sender that records its acks. */
function setUp() {
  const clock = { now: 0 };
  const store = new ChatStore(':memory:', () => clock.now);
  const chat = new ChatService(store, () => clock.now);
  const out: string[] = [];
  const feed: ChatFeed = { historyKey: 'room', send: (text) => (out.push(text), 2) };
  const acks: unknown[] = [];
  const sender: ChatSender = { id: 'peer-1', name: 'Ann', notify: (n: Notification) => acks.push(n.data) };
  const send = (frame: unknown, isText = true) =>
    chat.receive(feed, sender, Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame)), isText);
  return { chat, store, feed, sender, send, out, acks, clock };
}

describe('frames that are not a valid message', () => {
  test('are dropped and counted, never stored, acknowledged or fanned out', async () => {
    const { chat, store, send, out, acks } = setUp();
    const bad: [unknown, boolean?][] = [
      ['{"type":"send",'], // not JSON
      ['null'],
      [{ type: 'message', message: {} }], // a down frame sent up
      [{ type: 'send', id: 'no-text-here' }],
      [{ type: 'send', id: 'has spaces!', text: 'hi' }],
      [{ type: 'send', id: 'blank-text', text: ' \n ' }],
      [{ type: 'send', id: 'too-long-text', text: 'x'.repeat(2001) }],
      [{ type: 'send', id: 'huge-frame', text: 'x'.repeat(100_000) }],
      [{ type: 'send', id: 'binary-frame', text: 'hi' }, false],
    ];
    for (const [frame, isText] of bad) expect(await send(frame, isText)).toBeUndefined();
    expect(store.history('room', 0, 100)).toEqual([]);
    expect(store.lastSeq('room')).toBe(0);
    expect(out).toEqual([]);
    expect(acks).toEqual([]);
    expect(chat.stats.rejected).toEqual({ binary: 1, oversize: 2, invalid: 6, rate_limited: 0, out_of_order: 0 });
    expect(chat.stats.stored).toBe(0);
  });

  test('the longest allowed messages go through, however many bytes their characters take or escape to', async () => {
    const { send, out } = setUp();
    // The limit counts UTF-16 code units, as the app's textbox does: 2 000 of them is 6 000 bytes at most in UTF-8,
    // and 12 000 when a client escapes every one as \uXXXX in its JSON.
    const longest = ['€'.repeat(2000), '😀'.repeat(1000), 'a'.repeat(2000)];
    for (const [index, text] of longest.entries()) expect((await send({ type: 'send', id: `longest-${index}`, text }))?.text).toBe(text);
    const escaped = `{"type":"send","id":"escaped-all","text":"${'\\u20ac'.repeat(2000)}"}`;
    expect((await send(escaped))?.text).toBe('€'.repeat(2000));
    expect(out).toHaveLength(4);
  });
});

describe('a valid message', () => {
  test('is stored, acknowledged with its seq and fanned out once; a resend is acknowledged with the first seq only', async () => {
    const { chat, send, out, acks } = setUp();
    await send({ type: 'send', id: 'message-one', text: 'one' });
    await send({ type: 'send', id: 'message-two', text: 'two' });
    await send({ type: 'send', id: 'message-one', text: 'one' });
    expect(acks).toEqual([
      { id: 'message-one', seq: 1 },
      { id: 'message-two', seq: 2 },
      { id: 'message-one', seq: 1 },
    ]);
    expect(out.map((text) => JSON.parse(text) as unknown)).toEqual([
      { type: 'message', message: { seq: 1, id: 'message-one', peerId: 'peer-1', name: 'Ann', text: 'one', at: 0 } },
      { type: 'message', message: { seq: 2, id: 'message-two', peerId: 'peer-1', name: 'Ann', text: 'two', at: 0 } },
    ]);
    expect({ stored: chat.stats.stored, duplicates: chat.stats.duplicates, delivered: chat.stats.delivered }).toEqual({
      stored: 2,
      duplicates: 1,
      delivered: 4, // two receivers each
    });
  });
});

describe('after the feed toward someone overflowed', () => {
  test('the newest message goes out again, unchanged, so a lost tail shows as a gap; nothing when there is none', async () => {
    const { chat, feed, send, out } = setUp();
    await chat.resendNewest(feed);
    expect(out).toEqual([]);
    await send({ type: 'send', id: 'message-one', text: 'one' });
    await send({ type: 'send', id: 'message-two', text: 'two' });
    await chat.resendNewest(feed);
    expect(out).toHaveLength(3);
    expect(out[2]).toBe(out[1]);
  });
});

describe('a peer flooding the chat', () => {
  test('gets a whole outbox through at once, then is held to a steady rate; what it sent over it is not stored', async () => {
    const { chat, store, send, clock } = setUp();
    for (let index = 0; index < CHAT_BURST; index++) await send({ type: 'send', id: `burst-${String(index).padStart(4, '0')}`, text: 'queued' });
    expect(store.lastSeq('room')).toBe(CHAT_BURST);
    for (let index = 0; index < 100; index++) await send({ type: 'send', id: `flood-${String(index).padStart(4, '0')}`, text: 'spam' });
    expect(store.lastSeq('room')).toBe(CHAT_BURST);
    expect(chat.stats.rejected.rate_limited).toBe(100);
    clock.now += 1000; // a second later, a second's worth gets through: the dropped ones, sent again in order
    for (let index = 0; index < 100; index++) await send({ type: 'send', id: `flood-${String(index).padStart(4, '0')}`, text: 'spam' });
    expect(store.lastSeq('room')).toBe(CHAT_BURST + CHAT_RATE_PER_SECOND);
    expect(store.history('room', CHAT_BURST, 100).map((message) => message.id)).toEqual(
      Array.from({ length: CHAT_RATE_PER_SECOND }, (_, index) => `flood-${String(index).padStart(4, '0')}`),
    );
  });

  test('a message over the budget is never overtaken: later ones wait until it is sent again', async () => {
    const { chat, store, send, acks, clock } = setUp();
    for (let index = 0; index < CHAT_BURST; index++) await send({ type: 'send', id: `burst-${String(index).padStart(4, '0')}`, text: 'queued' });
    await send({ type: 'send', id: 'dropped-first', text: 'over the budget' });
    clock.now += 1000; // tokens again: the next message would fit, but the dropped one must come first
    await send({ type: 'send', id: 'written-after', text: 'later' });
    expect(store.find('room', 'written-after')).toBeUndefined();
    expect(chat.stats.rejected.out_of_order).toBe(1);
    await send({ type: 'send', id: 'burst-0000', text: 'queued' }); // an old resend is still acknowledged meanwhile
    expect(acks.at(-1)).toEqual({ id: 'burst-0000', seq: 1 });
    await send({ type: 'send', id: 'dropped-first', text: 'over the budget' });
    await send({ type: 'send', id: 'written-after', text: 'later' });
    expect(store.history('room', CHAT_BURST, 10).map((message) => message.id)).toEqual(['dropped-first', 'written-after']);
  });
});

describe('on a store that answers late (Redis)', () => {
  /** The SQLite store behind random delays: each call resolves 0–5 ms later, in no particular order. */
  function slowStore(store: ChatStore): ChatHistoryStore {
    const later = <T>(value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), Math.random() * 5));
    return {
      append: (key, message) => later(() => store.append(key, message)),
      find: (key, id) => later(() => store.find(key, id)),
      history: (key, afterSeq, limit) => later(() => store.history(key, afterSeq, limit)),
      lastSeq: (key) => later(() => store.lastSeq(key)),
      roomOccupied: (key) => later(() => store.roomOccupied(key)),
      roomEmptied: (key) => later(() => store.roomEmptied(key)),
      sweep: (retentionMs) => later(() => store.sweep(retentionMs)),
      close: () => store.close(),
    };
  }

  test('frames arriving back to back are stored, acknowledged and fanned out in the order they arrived', async () => {
    const clock = { now: 0 };
    const store = new ChatStore(':memory:', () => clock.now);
    const chat = new ChatService(slowStore(store), () => clock.now);
    const out: string[] = [];
    const feed: ChatFeed = { historyKey: 'room', send: (text) => (out.push(text), 1) };
    const acks: { id: string; seq: number }[] = [];
    const sender: ChatSender = { id: 'peer-1', name: 'Ann', notify: (n: Notification) => acks.push(n.data as { id: string; seq: number }) };
    const ids = Array.from({ length: 50 }, (_, index) => `in-order-${String(index).padStart(3, '0')}`);
    await Promise.all(ids.map((id) => chat.receive(feed, sender, Buffer.from(JSON.stringify({ type: 'send', id, text: id })), true)));
    expect(acks).toEqual(ids.map((id, index) => ({ id, seq: index + 1 })));
    expect(out.map((text) => (JSON.parse(text) as { message: { id: string } }).message.id)).toEqual(ids);
  });

  test('a frame dropped over the budget holds back only the frames that arrived after it', async () => {
    const clock = { now: 0 };
    const store = new ChatStore(':memory:', () => clock.now);
    const chat = new ChatService(slowStore(store), () => clock.now);
    const feed: ChatFeed = { historyKey: 'room', send: () => 1 };
    const sender: ChatSender = { id: 'peer-1', name: 'Ann', notify: () => {} };
    const send = (id: string) => chat.receive(feed, sender, Buffer.from(JSON.stringify({ type: 'send', id, text: id })), true);
    // The whole burst arrives at once, then one more: dropped. The burst is still being stored when it is.
    const burst = Array.from({ length: CHAT_BURST }, (_, index) => send(`burst-${String(index).padStart(4, '0')}`));
    const dropped = send('dropped-first');
    clock.now += 1000;
    const overtaking = send('written-after');
    await Promise.all([...burst, dropped, overtaking]);
    expect(store.lastSeq('room')).toBe(CHAT_BURST);
    expect(store.find('room', 'written-after')).toBeUndefined();
    expect(chat.stats.rejected).toMatchObject({ rate_limited: 1, out_of_order: 1 });
    await send('dropped-first');
    await send('written-after');
    expect(store.history('room', CHAT_BURST, 10).map((message) => message.id)).toEqual(['dropped-first', 'written-after']);
  });
});
