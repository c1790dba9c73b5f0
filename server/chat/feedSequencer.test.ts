import { describe, expect, test } from 'vitest';
import type { ChatMessage } from '../../shared/protocol/index.ts';
import { waitUntil } from '../../test/support/poll.ts';
import { FeedSequencer } from './feedSequencer.ts';
import type { ChatFeed } from './service.ts';

const message = (seq: number): ChatMessage => ({ seq, id: `message-${String(seq).padStart(4, '0')}`, peerId: 'peer-1', name: 'Ann', text: `text ${seq}`, at: seq });

function setUp(stored: ChatMessage[] = []) {
  const delivered: number[] = [];
  const feed: ChatFeed = { historyKey: 'room', send: () => 1 };
  const sequencer = new FeedSequencer(
    (_feed, delivering) => delivered.push(delivering.seq),
    async (afterSeq, limit) => stored.filter((candidate) => candidate.seq > afterSeq).slice(0, limit),
  );
  return { sequencer, feed, delivered };
}

describe('the feed sequencer of one room on one server', () => {
  test('after its baseline, messages go out in seq order however they arrive, each once', async () => {
    const { sequencer, feed, delivered } = setUp();
    sequencer.awaitBaseline();
    sequencer.startAfter(10);
    for (const seq of [12, 11, 11, 14, 13, 12]) sequencer.offer(feed, message(seq));
    await waitUntil(() => delivered.length === 4, 'four delivered', 4_000);
    expect(delivered).toEqual([11, 12, 13, 14]);
    sequencer.offer(feed, message(9)); // before the feed here began: people have it from history
    sequencer.offer(feed, message(13));
    sequencer.offer(feed, message(15));
    expect(delivered).toEqual([11, 12, 13, 14, 15]);
    sequencer.close();
  });

  test('a message announced late but stored before the baseline was read is still delivered, in its place', async () => {
    const { sequencer, feed, delivered } = setUp();
    sequencer.awaitBaseline();
    sequencer.startAfter(5); // seq 5 was stored just before the read, and its announcement is on its way
    sequencer.offer(feed, message(6));
    sequencer.offer(feed, message(5));
    await waitUntil(() => delivered.length === 2, 'both delivered', 4_000);
    expect(delivered).toEqual([5, 6]);
    sequencer.close();
  });

  test('a gap that the bus never fills is read from the store; what the store lacks too is skipped', async () => {
    const { sequencer, feed, delivered } = setUp([message(2), message(3)]);
    sequencer.awaitBaseline();
    sequencer.startAfter(0);
    sequencer.offer(feed, message(1));
    sequencer.offer(feed, message(3));
    sequencer.offer(feed, message(6)); // 4 and 5 are nowhere (deleted): people fetch nothing, and see the gap
    await waitUntil(() => delivered.length === 4, 'the gap closed', 4_000);
    expect(delivered).toEqual([1, 2, 3, 6]);
    sequencer.close();
  });
});
