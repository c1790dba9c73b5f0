import { describe, expect, test } from 'vitest';
import type { StoredMessage } from '../storage/chatStore.ts';
import { RoomHistory } from './chatHistory.ts';

const message = (seq: number, id = `m-${seq}`): StoredMessage => ({
  seq,
  id,
  room: 'room',
  peerId: 'bob',
  name: 'Bob',
  text: `text ${seq}`,
  at: 1,
  mine: false,
});
const seqs = (messages: StoredMessage[]) => messages.map((stored) => stored.seq);

describe('room history', () => {
  test('messages in order are all shown; the same one again (by seq or id) is a duplicate', () => {
    const history = new RoomHistory();
    expect([1, 2, 3].map((seq) => history.add(message(seq)))).toEqual(['added', 'added', 'added']);
    expect(history.add(message(2))).toBe('duplicate');
    expect(history.add(message(9, 'm-3'))).toBe('duplicate');
    expect(seqs(history.settled())).toEqual([1, 2, 3]);
    expect(history.hasGap).toBe(false);
  });

  test('a seq past the next one is a gap: what comes after it waits, in order, until the gap is filled', () => {
    const history = new RoomHistory();
    history.add(message(1));
    history.add(message(4));
    history.add(message(3));
    expect(history.hasGap).toBe(true);
    expect(history.settledSeq).toBe(1);
    expect(seqs(history.settled())).toEqual([1]);
    expect(seqs(history.beyondGap())).toEqual([3, 4]);

    history.add(message(2));
    expect(history.hasGap).toBe(false);
    expect(seqs(history.settled())).toEqual([1, 2, 3, 4]);
  });

  test('a history fetch that did not return a seq settles it as missing, so what follows can show', () => {
    const history = new RoomHistory([message(1), message(5)]);
    history.add(message(3));
    history.settleThrough(4); // the server had 3 but no 2 or 4
    expect(history.hasGap).toBe(false);
    expect(seqs(history.settled())).toEqual([1, 3, 5]);
  });

  test('another message under a known seq is a conflict (the server started its history afresh)', () => {
    const history = new RoomHistory([message(1)]);
    expect(history.add(message(1, 'someone-else'))).toBe('conflict');
  });

  test('a late joiner: history loaded with its settled mark shows what it had; lastSeq tells what is missing', () => {
    const history = new RoomHistory([message(1), message(2), message(7)], 6);
    expect(history.settledSeq).toBe(7);
    expect(seqs(history.settled())).toEqual([1, 2, 7]);
  });
});
