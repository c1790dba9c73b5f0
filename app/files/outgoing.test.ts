import { describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { sha256Of } from './testFakes.ts';
import { accept, ack, CHUNK, keyB, keyC, KiB, resume, setup, WINDOW } from './testOutgoing.ts';

describe('outgoing transfer', () => {
  test('the file is cut into 64 KiB chunks at consecutive offsets, the last one short, nothing before an accept', async () => {
    const s = setup(3 * CHUNK + 1_000);
    const transfer = await s.create();
    expect(transfer.plan()).toBeUndefined(); // offered, not accepted
    accept(transfer, 'b', keyB);
    expect(s.pump(transfer).map((plan) => [plan.offset, plan.length, plan.audience.join()])).toEqual([
      [0, CHUNK, 'b'],
      [CHUNK, CHUNK, 'b'],
      [2 * CHUNK, CHUNK, 'b'],
      [3 * CHUNK, 1_000, 'b'],
    ]);
    expect(s.counters).toMatchObject({ bytesSent: 3 * CHUNK + 1_000, bytesResent: 0 });
  });

  test('the file is read a block at a time, the next block while this one’s chunks go out; each chunk exactly', async () => {
    const BLOCK = 16 * CHUNK;
    const s = setup(2 * BLOCK + 3 * CHUNK + 5);
    const transfer = await s.create();
    const reads: { offset: number; length: number }[] = [];
    const read = s.source.read.bind(s.source);
    s.source.read = (offset, length) => (reads.push({ offset, length }), read(offset, length));
    const chunks = Math.ceil(s.source.size / CHUNK);
    for (let index = 0; index < chunks; index++) {
      const length = Math.min(CHUNK, s.source.size - index * CHUNK);
      expect(await transfer.read(index * CHUNK, length)).toEqual(s.source.bytes.subarray(index * CHUNK, index * CHUNK + length));
    }
    // Never a chunk-sized read: whole blocks (or the file's tail), each block once for the chunks and once more for
    // the background hash, which reads its own 1 MiB pieces.
    expect(reads.every((r) => r.length === BLOCK || r.offset + r.length === s.source.size)).toBe(true);
    expect(reads.reduce((sum, r) => sum + r.length, 0)).toBeLessThanOrEqual(2 * s.source.size);
    // Going back (a resume) reads the block again rather than keeping the whole file.
    expect(await transfer.read(CHUNK, CHUNK)).toEqual(s.source.bytes.subarray(CHUNK, 2 * CHUNK));
  });

  test('no more than one window is unacknowledged; each ack opens room for as much again', async () => {
    const s = setup(4 * 1024 * KiB);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    expect(s.pump(transfer)).toHaveLength(WINDOW / CHUNK);
    ack(transfer, 'b', keyB, 3 * CHUNK);
    expect(s.pump(transfer).map((plan) => plan.offset)).toEqual([8, 9, 10].map((n) => n * CHUNK));
  });

  test('a resume goes back to the receiver’s offset: what follows is re-sent, never more than a window', async () => {
    const s = setup(4 * 1024 * KiB);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    s.pump(transfer);
    ack(transfer, 'b', keyB, 2 * CHUNK);
    s.pump(transfer); // up to 10 chunks out
    resume(transfer, 'b', keyB, 5 * CHUNK); // chunk 5 went missing
    const resent = s.pump(transfer);
    expect(resent[0]!.offset).toBe(5 * CHUNK);
    expect(s.counters.bytesResent).toBe(5 * CHUNK); // chunks 5..9 again
    expect(s.counters.bytesResent).toBeLessThanOrEqual(WINDOW);
  });

  test('a resume carries the receiver’s new peer id: later chunks go to it there', async () => {
    const s = setup(1024 * KiB);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    s.pump(transfer, 2);
    resume(transfer, 'b-again', keyB, CHUNK);
    expect(transfer.plan()).toMatchObject({ offset: CHUNK, audience: ['b-again'] });
  });

  test('with bytes outstanding and no ack for a while, it goes back with one chunk (tail loss); unanswered again, it waits to hear from the receiver', async () => {
    const s = setup(4 * 1024 * KiB);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    s.pump(transfer);
    ack(transfer, 'b', keyB, 4 * CHUNK);
    s.pump(transfer);
    s.advance(2_000);
    transfer.checkStalls();
    expect(transfer.plan()).toBeUndefined(); // not yet
    s.advance(1_000);
    transfer.checkStalls();
    expect(s.pump(transfer).map((plan) => plan.offset)).toEqual([4 * CHUNK]);
    expect(s.counters.bytesResent).toBe(CHUNK);
    ack(transfer, 'b', keyB, 5 * CHUNK); // it was a lost tail: the receiver is there, the window opens again
    expect(s.pump(transfer).map((plan) => plan.offset / CHUNK)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(s.counters.bytesResent).toBe(WINDOW); // chunks 4–11 once more, no more

    s.advance(3_000);
    transfer.checkStalls();
    expect(s.pump(transfer)).toHaveLength(1); // the probe
    s.advance(3_000);
    transfer.checkStalls(); // unanswered too: the receiver is away
    s.advance(3_000);
    transfer.checkStalls();
    expect(transfer.plan()).toBeUndefined();
    expect(s.counters.bytesResent).toBe(WINDOW + CHUNK); // not a window every few seconds into the void
    expect(transfer.phase(true).phase).toBe('waiting');

    resume(transfer, 'b', keyB, 6 * CHUNK); // back
    expect(transfer.plan()?.offset).toBe(6 * CHUNK);
  });

  test('bytes sent after a quiet spell are not taken for a stall', async () => {
    const s = setup(4 * 1024 * KiB);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    s.pump(transfer, 2);
    ack(transfer, 'b', keyB, 2 * CHUNK); // all caught up; then nothing to do for a while (another recipient, a slow disk)
    s.advance(10_000);
    s.pump(transfer, 1);
    s.advance(1_000);
    transfer.checkStalls();
    expect(transfer.plan()?.offset).toBe(3 * CHUNK);
    expect(s.counters.bytesResent).toBe(0);
  });

  test('one far behind catches up alone while the others go on; once close, they wait for it', async () => {
    const s = setup(40 * CHUNK, ['b', 'c']);
    s.ctx.tuning.convoyDistance = 4 * CHUNK;
    const transfer = await s.create();
    const sent = (max?: number) => s.pump(transfer, max).map((plan) => `${plan.audience.join()}${plan.offset / CHUNK}`);
    const range = (who: string, from: number, to: number) => Array.from({ length: to - from }, (_, n) => `${who}${from + n}`);
    accept(transfer, 'b', keyB);
    s.advance(3_000); // C has not answered: B starts alone
    for (const acked of [0, 8, 16]) {
      ack(transfer, 'b', keyB, acked * CHUNK);
      sent();
    }
    accept(transfer, 'c', keyC); // 24 chunks behind B
    expect(sent()).toEqual(range('c', 0, 8)); // lower offsets first
    ack(transfer, 'b', keyB, 24 * CHUNK);
    expect(sent()).toEqual(range('b', 24, 32)); // far behind: B is not held back

    for (const acked of [8, 16]) {
      ack(transfer, 'c', keyC, acked * CHUNK);
      sent();
    }
    ack(transfer, 'c', keyC, 24 * CHUNK);
    expect(sent(6)).toEqual(range('c', 24, 30));
    ack(transfer, 'b', keyB, 32 * CHUNK); // B has room, but C is only 2 chunks behind now: B waits for it
    expect(sent()).toEqual(['c30', 'c31']); // (then C's window is full)
    ack(transfer, 'c', keyC, 32 * CHUNK);
    expect(sent(2)).toEqual(['b,c32', 'b,c33']); // together again: each chunk once for both
  });

  test('offered to several, the first accept waits a moment for the others, then starts for whoever accepted', async () => {
    const s = setup(1024 * KiB, ['b', 'c', 'd']);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    expect(transfer.plan()).toBeUndefined();
    s.advance(1_000);
    accept(transfer, 'c', keyC);
    expect(transfer.plan()).toBeUndefined(); // D has not answered yet
    s.advance(2_000); // D never does
    expect(transfer.plan()?.audience).toEqual(['b', 'c']);
  });

  test('a chunk two recipients need goes once to both; one that fell behind is served alone until it catches up', async () => {
    const s = setup(4 * 1024 * KiB, ['b', 'c']);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    accept(transfer, 'c', keyC);
    expect(s.pump(transfer, 4).map((plan) => plan.audience.join())).toEqual(['b,c', 'b,c', 'b,c', 'b,c']);
    resume(transfer, 'c', keyC, 2 * CHUNK); // C lost chunk 2
    const next = s.pump(transfer, 3);
    expect(next.map((plan) => [plan.offset / CHUNK, plan.audience.join()])).toEqual([
      [2, 'c'],
      [3, 'c'],
      [4, 'b,c'], // caught up: together again
    ]);
  });

  test('every byte acknowledged: the file’s SHA-256 goes to that receiver; its verdict ends the transfer', async () => {
    const s = setup(100 * KiB + 3);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    s.pump(transfer);
    ack(transfer, 'b', keyB, 100 * KiB + 3);
    expect(transfer.phase(true).phase).toBe('verifying');
    await waitUntil(() => s.done.length === 1, 'fileDone');
    expect(s.done[0]).toEqual({ transferId: transfer.id, key: keyB, sha256: sha256Of(s.source.bytes) });
    transfer.verified({ transferId: transfer.id, peerId: 'b', key: keyB, ok: false });
    expect(transfer.phase(true)).toEqual({ phase: 'failed', error: expect.stringMatching(/damaged \(SHA-256 did not match\)/) });
  });

  test('a 0-byte file is done as soon as it is accepted', async () => {
    const s = setup(0);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    expect(transfer.plan()).toBeUndefined();
    await waitUntil(() => s.done.length === 1, 'fileDone');
    expect(s.done[0]).toMatchObject({ sha256: sha256Of('') });
  });

  test('cancelled by a receiver: nothing more goes to it; by the sender: nothing goes at all', async () => {
    const s = setup(4 * 1024 * KiB, ['b', 'c']);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    accept(transfer, 'c', keyC);
    transfer.cancelledBy({ transferId: transfer.id, by: 'receiver', key: keyC });
    expect(transfer.plan()?.audience).toEqual(['b']);
    transfer.cancel();
    expect(transfer.plan()).toBeUndefined();
    expect(transfer.phase(true).phase).toBe('cancelled');
  });
});
