import { describe, expect, test, vi } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { decodeChunkFrame } from '../../shared/protocol/index.ts';
import { OutgoingTransfer, type OutgoingContext } from './outgoing.ts';
import type { FileControl, FileLinks } from './ports.ts';
import { ChunkPump } from './pump.ts';
import { FakeLink, FakeRoom, FakeSource, patternBytes } from './testFakes.ts';
import { defaultTuning } from './tuning.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Links that note, at the moment of sending, which transfer each frame belongs to and how much was queued in all. */
function recordingLinks() {
  const room = new FakeRoom();
  const made: FakeLink[] = [];
  const sends: { transferId: string; queuedBefore: number }[] = [];
  const queued = () => made.reduce((sum, link) => sum + link.bufferedAmount, 0);
  const links: FileLinks = {
    to: async (peerIds) => {
      const found = made.find((link) => link.audience.join() === [...peerIds].sort().join());
      if (found) return found;
      const link = new FakeLink([...peerIds].sort(), room);
      const send = link.send.bind(link);
      link.send = (frame) => {
        sends.push({ transferId: decodeChunkFrame(frame)!.transferId, queuedBefore: queued() });
        send(frame);
      };
      made.push(link);
      return link;
    },
  };
  return { links, sends };
}

async function transferTo(peerId: string, size: number, ctx: Omit<OutgoingContext, 'wake'>, wake: () => void) {
  const transfer = await OutgoingTransfer.create(new FakeSource(`${peerId}.bin`, patternBytes(size)), [{ peerId }], false, {
    ...ctx,
    wake,
  });
  return transfer;
}

function context(): Omit<OutgoingContext, 'wake'> {
  return {
    control: { done: async () => {} } as unknown as FileControl,
    counters: { bytesSent: 0, bytesResent: 0, bytesReceived: 0, framesDiscarded: 0 },
    // A window as big as the file: the pump alone decides who goes next.
    tuning: { ...defaultTuning, sendWindow: 64 * MiB },
    now: () => Date.now(),
    changed: () => {},
    persist: () => {},
  };
}

describe('chunk pump', () => {
  test('two transfers at once take turns chunk by chunk, and never more than the cap waits in the browser', async () => {
    const { links, sends } = recordingLinks();
    const transfers: OutgoingTransfer[] = [];
    const pump = new ChunkPump(() => transfers, 1 * MiB);
    const ctx = context();
    transfers.push(await transferTo('b', 4 * MiB, ctx, () => pump.wake()), await transferTo('c', 4 * MiB, ctx, () => pump.wake()));
    for (const [index, transfer] of transfers.entries())
      transfer.answered({ transferId: transfer.id, peerId: 'bc'[index]!, accept: true, key: 'bc'[index]!.repeat(64) });
    pump.setLinks(links);
    await waitUntil(() => sends.length === 128, 'both files sent');
    pump.setLinks(undefined);

    const order = sends.map((send) => (send.transferId === transfers[0]!.id ? 'b' : 'c')).join('');
    expect(order).toBe('bc'.repeat(64));
    // The cap is checked before each chunk: at most one chunk over it.
    expect(Math.max(...sends.map((send) => send.queuedBefore))).toBeLessThan(1 * MiB);
  });

  test('with nothing to send it sleeps instead of spinning, and wakes when there is', async () => {
    const { links, sends } = recordingLinks();
    const transfers: OutgoingTransfer[] = [];
    const pump = new ChunkPump(() => transfers, 1 * MiB);
    const transfer = await transferTo('b', 256 * KiB, context(), () => pump.wake());
    transfers.push(transfer);
    const plan = vi.spyOn(transfer, 'plan');
    pump.setLinks(links);
    await new Promise((resolve) => setTimeout(resolve, 200)); // offered, not accepted: nothing to send
    expect(plan.mock.calls.length).toBeLessThanOrEqual(2);
    transfer.answered({ transferId: transfer.id, peerId: 'b', accept: true, key: 'b'.repeat(64) });
    await waitUntil(() => sends.length === 4, 'the file sent once accepted');
    pump.setLinks(undefined);
  });

  test('a link that is closed (a peer left) is not tried again and again: its recipient waits to be heard from', async () => {
    const closedLink = { audience: ['b'], isOpen: false, bufferedAmount: 0, send: () => {}, drained: async () => {} };
    let asked = 0;
    const links: FileLinks = { to: async () => (asked++, closedLink) };
    const transfers: OutgoingTransfer[] = [];
    const pump = new ChunkPump(() => transfers, 1 * MiB);
    const transfer = await transferTo('b', 256 * KiB, context(), () => pump.wake());
    transfers.push(transfer);
    transfer.answered({ transferId: transfer.id, peerId: 'b', accept: true, key: 'b'.repeat(64) });
    pump.setLinks(links);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(asked).toBe(1);
    expect(transfer.phase(true).phase).toBe('waiting');
    transfer.resumeFrom({ transferId: transfer.id, peerId: 'b', key: 'b'.repeat(64), offset: 0 }); // back: tried again
    await waitUntil(() => asked === 2, 'a second try');
    pump.setLinks(undefined);
  });
});
