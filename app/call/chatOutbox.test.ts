import { describe, expect, test, vi } from 'vitest';
import type { ChatLink } from '../net/chatChannel.ts';
import { ChatOutbox } from './chatOutbox.ts';

const entry = (n: number) => ({ id: `message-${n}`, room: 'room', name: 'Ann', text: `text ${n}`, writtenAt: n });

/** A channel whose buffer fills by 600 kB a message until the test drains it. */
function slowLink() {
  let drain: () => void = () => {};
  const link = {
    open: true,
    sent: [] as string[],
    bufferedAmount: 0,
    get isOpen() {
      return link.open;
    },
    send(frame: string) {
      link.sent.push((JSON.parse(frame) as { text: string }).text);
      link.bufferedAmount += 600_000;
    },
    drained: () => new Promise<void>((resolve) => (drain = resolve)),
    drain() {
      link.bufferedAmount = 0;
      drain();
    },
  };
  return link satisfies ChatLink;
}

describe('chat outbox', () => {
  test('a full channel holds the rest back; a resend asked for meanwhile starts over from the oldest, in order', async () => {
    const outbox = new ChatOutbox(() => {});
    for (let n = 1; n <= 4; n++) outbox.add(entry(n));
    const link = slowLink();
    outbox.attach(link);
    await vi.waitFor(() => expect(link.sent).toEqual(['text 1', 'text 2']));
    expect(outbox.entries.map((queued) => queued.state)).toEqual(['sent', 'sent', 'queued', 'queued']);

    // A reconnect while the flush waits: everything unacknowledged goes again, oldest first, then the rest.
    outbox.resendAll();
    outbox.add(entry(5));
    link.drain();
    await vi.waitFor(() => expect(link.sent).toEqual(['text 1', 'text 2', 'text 1', 'text 2']));
    link.drain();
    await vi.waitFor(() => expect(link.sent.slice(4)).toEqual(['text 3', 'text 4']));
    link.drain();
    await vi.waitFor(() => expect(link.sent.slice(6)).toEqual(['text 5']));
  });

  test('a delivered message is never sent again and leaves once the history shows it; a closed channel turns sent back into queued', () => {
    const outbox = new ChatOutbox(() => {});
    outbox.add(entry(1));
    outbox.add(entry(2));
    const link = slowLink();
    link.bufferedAmount = -10_000_000; // room for everything
    outbox.attach(link);
    outbox.delivered('message-1');
    outbox.resendAll();
    expect(link.sent).toEqual(['text 1', 'text 2', 'text 2']);
    outbox.prune(() => false);
    expect(outbox.entries.map((queued) => queued.state)).toEqual(['delivered', 'sent']);
    outbox.prune((id) => id === 'message-1');
    link.open = false;
    outbox.detach(link);
    expect(outbox.entries.map((queued) => [queued.id, queued.state])).toEqual([['message-2', 'queued']]);
    outbox.close();
  });

  test('messages left unacknowledged (the server dropped them over its rate) go again, in order, after 5 s without any ack', async () => {
    vi.useFakeTimers();
    try {
      const outbox = new ChatOutbox(() => {});
      const link = slowLink();
      link.bufferedAmount = -10_000_000;
      outbox.attach(link);
      outbox.add(entry(1));
      outbox.add(entry(2));
      await vi.advanceTimersByTimeAsync(3_000);
      outbox.progressed(); // an ack for something else: the channel is moving
      await vi.advanceTimersByTimeAsync(3_000);
      expect(link.sent).toEqual(['text 1', 'text 2']);
      await vi.advanceTimersByTimeAsync(3_000);
      expect(link.sent).toEqual(['text 1', 'text 2', 'text 1', 'text 2']);
      outbox.close();
    } finally {
      vi.useRealTimers();
    }
  });

  test('a flush stays under the server’s budget: 950 at once, then 19 a second, never skipping one', async () => {
    vi.useFakeTimers();
    try {
      const outbox = new ChatOutbox(() => {});
      const link = slowLink();
      link.bufferedAmount = -Infinity;
      for (let n = 1; n <= 1_000; n++) outbox.add(entry(n));
      outbox.attach(link);
      await vi.advanceTimersByTimeAsync(0);
      expect(link.sent).toHaveLength(950);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(link.sent.length).toBeGreaterThanOrEqual(968);
      expect(link.sent.length).toBeLessThanOrEqual(970);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(link.sent).toEqual(Array.from({ length: 1_000 }, (_, index) => `text ${index + 1}`));
      outbox.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
