import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ChatStore } from './store.ts';

const HOUR = 3600_000;

/** A store on a clock the test moves. */
function storeAt(start = 1_000_000, file = ':memory:') {
  const clock = { now: start };
  return { store: new ChatStore(file, () => clock.now), clock };
}

const message = (id: string, text = `text of ${id}`) => ({ id, peerId: 'peer-1', name: 'Ann', text });

describe('sequence numbers', () => {
  test('count 1, 2, 3… per room, in the order messages are appended, with the store’s time', () => {
    const { store, clock } = storeAt();
    expect(store.append('a', message('m-a-1')).message).toMatchObject({ seq: 1, at: 1_000_000 });
    clock.now += 5;
    expect(store.append('b', message('m-b-1')).message.seq).toBe(1);
    expect(store.append('a', message('m-a-2')).message).toMatchObject({ seq: 2, at: 1_000_005 });
    expect([store.lastSeq('a'), store.lastSeq('b'), store.lastSeq('never')]).toEqual([2, 1, 0]);
  });
});

describe('deduplication by message id', () => {
  test('a resend returns the first copy and stores nothing; the same id in another room is another message', () => {
    const { store } = storeAt();
    const first = store.append('a', message('same-id', 'first'));
    store.append('a', message('other-id'));
    const resend = store.append('a', message('same-id', 'edited on resend'));
    expect(resend).toEqual({ message: first.message, duplicate: true });
    expect(store.history('a', 0, 100).map((m) => [m.seq, m.id, m.text])).toEqual([
      [1, 'same-id', 'first'],
      [2, 'other-id', 'text of other-id'],
    ]);
    expect(store.append('b', message('same-id')).duplicate).toBe(false);
  });

  test('holds across a restart: the same file, opened again', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huddle-chat-store-'));
    const before = ChatStore.open(dir);
    before.append('a', message('before-restart'));
    before.close();
    const after = ChatStore.open(dir);
    expect(after.append('a', message('before-restart'))).toMatchObject({ duplicate: true, message: { seq: 1 } });
    expect(after.append('a', message('after-restart')).message.seq).toBe(2);
    expect(after.history('a', 0, 10).map((m) => m.id)).toEqual(['before-restart', 'after-restart']);
    after.close();
  });
});

describe('history', () => {
  test('gives messages after a seq, oldest first, at most the limit', () => {
    const { store } = storeAt();
    for (let index = 1; index <= 7; index++) store.append('a', message(`page-${index}`));
    expect(store.history('a', 0, 3).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(store.history('a', 3, 3).map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(store.history('a', 6, 3).map((m) => m.seq)).toEqual([7]);
    expect(store.history('a', 7, 3)).toEqual([]);
  });
});

describe('retention', () => {
  test('history goes once its room has been empty for the retention time, not before', () => {
    const { store, clock } = storeAt();
    store.roomOccupied('a');
    store.append('a', message('old-1'));
    store.roomEmptied('a');
    clock.now += 24 * HOUR - 1;
    expect(store.sweep(24 * HOUR)).toBe(0);
    expect(store.history('a', 0, 10)).toHaveLength(1);
    clock.now += 1;
    expect(store.sweep(24 * HOUR)).toBe(1);
    expect(store.history('a', 0, 10)).toEqual([]);
    // Numbers are never reused: a message cached by a client under seq 1 stays the only seq 1.
    expect(store.lastSeq('a')).toBe(1);
    expect(store.append('a', message('new-1')).message.seq).toBe(2);
  });

  test('a room that fills again before then keeps its history, and its clock starts again when it empties', () => {
    const { store, clock } = storeAt();
    store.roomOccupied('a');
    store.append('a', message('kept'));
    store.roomEmptied('a');
    clock.now += 23 * HOUR;
    store.roomOccupied('a');
    clock.now += 10 * HOUR; // in use all this time
    expect(store.sweep(24 * HOUR)).toBe(0);
    store.roomEmptied('a');
    clock.now += 23 * HOUR;
    expect(store.sweep(24 * HOUR)).toBe(0);
    expect(store.history('a', 0, 10).map((m) => m.id)).toEqual(['kept']);
  });

  test('rooms occupied when the server stopped count as emptied when it starts again', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huddle-chat-retention-'));
    let now = 0;
    const before = ChatStore.open(dir, () => now);
    before.roomOccupied('a');
    before.append('a', message('at-the-crash'));
    before.close(); // the server stopped without the room ever emptying
    now = 10 * HOUR;
    const after = ChatStore.open(dir, () => now);
    now += 24 * HOUR - 1;
    expect(after.sweep(24 * HOUR)).toBe(0);
    now += 1;
    expect(after.sweep(24 * HOUR)).toBe(1);
    after.close();
  });
});
