import 'fake-indexeddb/auto';
import { describe, expect, test, vi } from 'vitest';
import { CHAT_TEXT_MAX_LENGTH, type ChatMessage, type ResponseData } from '../../shared/protocol/index.ts';
import type { ChatItem } from '../models/chat.ts';
import type { ChatLink } from '../net/chatChannel.ts';
import { openChatStore } from '../storage/chatStore.ts';
import { ChatController, HISTORY_PAGE } from './chat.ts';

let dbCount = 0;

/** The room as the server keeps it: numbered messages, deduplicated by id. */
class FakeRoom {
  messages: ChatMessage[] = [];
  historyRequests: { afterSeq: number; limit: number }[] = [];
  /** While set, chatHistory fails (signaling is down). */
  historyDown = false;
  store(id: string, text: string, peerId = 'ann', name = 'Ann'): ChatMessage {
    const known = this.messages.find((message) => message.id === id);
    if (known) return known;
    const message = { seq: this.messages.length + 1, id, peerId, name, text, at: Date.now() };
    this.messages.push(message);
    return message;
  }
  async history(afterSeq: number, limit: number): Promise<ResponseData<'chatHistory'>> {
    this.historyRequests.push({ afterSeq, limit });
    if (this.historyDown) throw new Error('Not connected to the server');
    return { messages: this.messages.filter((message) => message.seq > afterSeq).slice(0, limit), lastSeq: this.messages.length };
  }
}

/** Our DataProducer: records the frames handed to it. */
function fakeLink(): ChatLink & { frames: { id: string; text: string }[]; open: boolean } {
  const link = {
    open: true,
    frames: [] as { id: string; text: string }[],
    get isOpen() {
      return link.open;
    },
    bufferedAmount: 0,
    send: (frame: string) => void link.frames.push(JSON.parse(frame) as { id: string; text: string }),
    drained: async () => {},
  };
  return link;
}

/** A chat controller for `room`, on a store named `db` (the same name again = the same device after a reload). */
function makeChat(room: FakeRoom, db = `chat-controller-${++dbCount}`) {
  let items: ChatItem[] = [];
  let unread = 0;
  const chat = new ChatController({
    room: 'room',
    name: 'Ann',
    store: openChatStore(db),
    fetchHistory: (afterSeq, limit) => room.history(afterSeq, limit),
    show: (shown) => void (items = shown),
    received: (count) => void (unread += count),
    showDelayMs: 0,
  });
  return { chat, db, items: () => items, unread: () => unread };
}

const texts = (items: ChatItem[]) => items.map((item) => item.text);
const states = (items: ChatItem[]) => items.map((item) => `${item.text}:${item.state}`);
const down = (message: ChatMessage) => JSON.stringify({ type: 'message', message });

describe('chat controller', () => {
  test('a written message shows at once as queued, then sent when handed to the channel, then delivered on its ack', async () => {
    const room = new FakeRoom();
    const { chat, items } = makeChat(room);
    await chat.ready;
    chat.write('hello');
    await vi.waitFor(() => expect(states(items())).toEqual(['hello:queued']));

    const link = fakeLink();
    chat.linkOpened(link);
    await vi.waitFor(() => expect(states(items())).toEqual(['hello:sent']));
    expect(link.frames.map((frame) => frame.text)).toEqual(['hello']);

    const stored = room.store(link.frames[0]!.id, 'hello');
    chat.acknowledged(stored.id, stored.seq);
    await vi.waitFor(() => expect(states(items())).toEqual(['hello:delivered']));
    // Its copy on the room feed changes nothing: still one message.
    chat.receive(down(stored));
    await vi.waitFor(() => expect(states(items())).toEqual(['hello:delivered']));
  });

  test('the outbox survives a reload and is flushed in the order it was written; the server sees each id once', async () => {
    const room = new FakeRoom();
    const before = makeChat(room);
    await before.chat.ready;
    for (let i = 1; i <= 5; i++) before.chat.write(`offline ${i}`);
    await vi.waitFor(() => expect(before.items()).toHaveLength(5));
    before.chat.close();

    const after = makeChat(room, before.db);
    await after.chat.ready;
    expect(states(after.items())).toEqual([1, 2, 3, 4, 5].map((i) => `offline ${i}:queued`));
    after.chat.write('offline 6');
    const link = fakeLink();
    after.chat.linkOpened(link);
    await vi.waitFor(() => expect(link.frames).toHaveLength(6));
    expect(link.frames.map((frame) => frame.text)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `offline ${i}`));

    // A reconnect before any ack: everything goes again, in order; the server keeps each id once.
    after.chat.joined('ann', { dataProducerId: 'feed', lastSeq: 0 });
    await vi.waitFor(() => expect(link.frames).toHaveLength(12));
    for (const frame of link.frames) {
      const stored = room.store(frame.id, frame.text);
      after.chat.acknowledged(stored.id, stored.seq);
    }
    await vi.waitFor(() => expect(states(after.items())).toEqual([1, 2, 3, 4, 5, 6].map((i) => `offline ${i}:delivered`)));
    expect(room.messages.map((message) => message.text)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `offline ${i}`));

    // Delivered ones left the stored outbox: another reload shows them once, as delivered history.
    after.chat.close();
    const again = makeChat(room, before.db);
    await again.chat.ready;
    expect(states(again.items())).toEqual([1, 2, 3, 4, 5, 6].map((i) => `offline ${i}:delivered`));
  });

  test('a seq that skips ahead fetches the gap; messages show once, in seq order, never moving', async () => {
    const room = new FakeRoom();
    for (let i = 1; i <= 6; i++) room.store(`bob-msg-${i}`, `bob ${i}`, 'bob', 'Bob');
    const { chat, items, unread } = makeChat(room);
    await chat.ready;
    chat.receive(down(room.messages[0]!));
    await vi.waitFor(() => expect(texts(items())).toEqual(['bob 1']));

    // 2–4 were dropped on the way (a full SCTP buffer); 5 arrives, and 6 while the gap is being fetched.
    chat.receive(down(room.messages[4]!));
    chat.receive(down(room.messages[5]!));
    await vi.waitFor(() => expect(texts(items())).toEqual([1, 2, 3, 4, 5, 6].map((i) => `bob ${i}`)));
    expect(room.historyRequests[0]).toEqual({ afterSeq: 1, limit: HISTORY_PAGE });
    // Late copies of what the fetch brought change nothing.
    for (const message of room.messages) chat.receive(down(message));
    await vi.waitFor(() => expect(texts(items())).toEqual([1, 2, 3, 4, 5, 6].map((i) => `bob ${i}`)));
    expect(unread()).toBe(6);
  });

  test('a message the feed carried before it opened is fetched when it opens, though nothing after it shows a gap', async () => {
    const room = new FakeRoom();
    const { chat, items } = makeChat(room);
    chat.joined('bob', { dataProducerId: 'feed', lastSeq: 0 });
    room.store('alice-msg-1', 'hi Bob', 'alice', 'Alice'); // fanned out while Bob's feed was still being set up
    chat.feedOpened();
    await vi.waitFor(() => expect(texts(items())).toEqual(['hi Bob']));
  });

  test('a late joiner fetches the whole history, 500 at a time', async () => {
    const room = new FakeRoom();
    for (let i = 1; i <= 1_234; i++) room.store(`early-msg-${i}`, `early ${i}`, 'bob', 'Bob');
    const { chat, items } = makeChat(room);
    chat.joined('carol', { dataProducerId: 'feed', lastSeq: 1_234 });
    await vi.waitFor(() => expect(items()).toHaveLength(1_234));
    expect(texts(items())).toEqual(room.messages.map((message) => message.text));
    expect(room.historyRequests.map((request) => request.afterSeq)).toEqual([0, 500, 1_000]);
  });

  test('my message echoed on the feed before its ack is delivered once; the ack afterwards adds nothing', async () => {
    const room = new FakeRoom();
    const { chat, items } = makeChat(room);
    await chat.ready;
    const link = fakeLink();
    chat.linkOpened(link);
    chat.write('first');
    chat.write('second');
    await vi.waitFor(() => expect(link.frames).toHaveLength(2));
    const [first, second] = link.frames.map((frame) => room.store(frame.id, frame.text));
    chat.receive(down(first!));
    await vi.waitFor(() => expect(states(items())).toEqual(['first:delivered', 'second:sent']));
    chat.acknowledged(first!.id, first!.seq);
    chat.acknowledged(second!.id, second!.seq);
    await vi.waitFor(() => expect(states(items())).toEqual(['first:delivered', 'second:delivered']));
  });

  test('my messages echoed past a gap keep their place: the ones before them never show after them', async () => {
    const room = new FakeRoom();
    const { chat, items } = makeChat(room);
    await chat.ready;
    const link = fakeLink();
    chat.linkOpened(link);
    for (let i = 1; i <= 4; i++) chat.write(`burst ${i}`);
    await vi.waitFor(() => expect(link.frames).toHaveLength(4));
    const stored = link.frames.map((frame) => room.store(frame.id, frame.text));
    // The feed dropped 2 and 3 (a full SCTP buffer) and brought 4 before any ack came over signaling.
    room.historyDown = true;
    chat.receive(down(stored[0]!));
    chat.receive(down(stored[3]!));
    await vi.waitFor(() => expect(states(items())).toEqual(['burst 1:delivered', 'burst 2:sent', 'burst 3:sent', 'burst 4:delivered']));
    for (const message of stored) chat.acknowledged(message.id, message.seq);
    await vi.waitFor(() => expect(states(items())).toEqual([1, 2, 3, 4].map((i) => `burst ${i}:delivered`)));
  });

  test('a channel that closes puts sent messages back to queued; the next channel sends them again', async () => {
    const room = new FakeRoom();
    const { chat, items } = makeChat(room);
    await chat.ready;
    const dying = fakeLink();
    chat.linkOpened(dying);
    chat.write('in flight');
    await vi.waitFor(() => expect(states(items())).toEqual(['in flight:sent']));
    dying.open = false;
    chat.linkClosed(dying);
    await vi.waitFor(() => expect(states(items())).toEqual(['in flight:queued']));
    const next = fakeLink();
    chat.linkOpened(next);
    await vi.waitFor(() => expect(next.frames.map((frame) => frame.text)).toEqual(['in flight']));
  });

  test('empty, oversize and garbage are refused: nothing queued, nothing shown', async () => {
    const room = new FakeRoom();
    const { chat, items } = makeChat(room);
    await chat.ready;
    expect(chat.write('   ')).toMatch(/empty/);
    expect(chat.write('x'.repeat(CHAT_TEXT_MAX_LENGTH + 1))).toMatch(/at most 2000/);
    expect(chat.write('x'.repeat(CHAT_TEXT_MAX_LENGTH))).toBeUndefined();
    chat.receive('not json');
    chat.receive(JSON.stringify({ type: 'message', message: { seq: 1, id: 'x', text: '<img src=x onerror=alert(1)>' } }));
    await vi.waitFor(() => expect(items()).toHaveLength(1));
    expect(items()[0]!.text).toHaveLength(CHAT_TEXT_MAX_LENGTH);
  });
});
