import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { openChatStore, type OutboxEntry, type StoredMessage } from './chatStore.ts';

let dbCount = 0;
/** A fresh database per test; opening the same name again is what a reload does. */
const freshName = () => `chat-test-${++dbCount}`;

const entry = (id: string, text = id, room = 'room'): OutboxEntry => ({ id, room, name: 'Ann', text, writtenAt: Date.now() });
const message = (seq: number, id = `m-${seq}`, room = 'room'): StoredMessage => ({
  seq,
  id,
  room,
  peerId: 'bob',
  name: 'Bob',
  text: `text ${seq}`,
  at: 1,
  mine: false,
});

describe('chat store (IndexedDB)', () => {
  test('the outbox keeps the order messages were written in, across a reload, per room', async () => {
    const name = freshName();
    const store = (await openChatStore(name))!;
    await store.addToOutbox([entry('zz-first-written'), entry('aa-second')]);
    await store.addToOutbox([entry('mm-third')]);
    await store.addToOutbox([entry('other-room-msg', 'x', 'elsewhere'), entry('zz-fourth')]);

    const reloaded = (await openChatStore(name))!;
    const { outbox } = await reloaded.load('room');
    expect(outbox.map((queued) => queued.id)).toEqual(['zz-first-written', 'aa-second', 'mm-third', 'zz-fourth']);
    expect((await reloaded.load('elsewhere')).outbox.map((queued) => queued.id)).toEqual(['other-room-msg']);
  });

  test('the same message id written twice is kept once', async () => {
    const store = (await openChatStore(freshName()))!;
    await store.addToOutbox([entry('dup-12345', 'first'), entry('dup-12345', 'in the same batch')]);
    await store.addToOutbox([entry('dup-12345', 'again')]);
    const { outbox } = await store.load('room');
    expect(outbox.map((queued) => [queued.id, queued.text])).toEqual([['dup-12345', 'first']]);
  });

  test('a delivered message leaves the outbox and joins the history in one step; history dedupes by seq and id', async () => {
    const name = freshName();
    const store = (await openChatStore(name))!;
    await store.addToOutbox([entry('mine-0001'), entry('mine-0002')]);
    await store.putMessages('room', [{ ...message(1, 'mine-0001'), mine: true }, message(2)]);
    // Again, and a message claiming a seq that is taken, and one reusing a stored id under a new seq.
    await store.putMessages('room', [message(2), { ...message(2, 'intruder-1') }, message(3, 'mine-0001'), message(4)]);

    const { outbox, history } = await (await openChatStore(name))!.load('room');
    expect(outbox.map((queued) => queued.id)).toEqual(['mine-0002']);
    expect(history.map((stored) => [stored.seq, stored.id, stored.mine])).toEqual([
      [1, 'mine-0001', true],
      [2, 'm-2', false],
      [4, 'm-4', false],
    ]);
  });

  test('history is per room, sorted by seq, and cleared with its settled mark', async () => {
    const store = (await openChatStore(freshName()))!;
    await store.putMessages('room', [message(3), message(1), message(2)]);
    await store.putMessages('other', [message(1, 'o-1', 'other')]);
    await store.setSettledSeq('room', 3);
    expect((await store.load('room')).history.map((stored) => stored.seq)).toEqual([1, 2, 3]);
    expect((await store.load('room')).settledSeq).toBe(3);

    await store.clearHistory('room');
    expect(await store.load('room')).toEqual({ outbox: [], history: [], settledSeq: 0 });
    expect((await store.load('other')).history).toHaveLength(1);
  });
});
