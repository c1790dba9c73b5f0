import { describe, expect, test } from 'vitest';
import { FakeRoom, FakeSource, patternBytes } from './testFakes.ts';
import { acceptWhenOffered, doneAt, MiB, startPeer, WINDOW } from './testEngines.ts';
import { accept, ack, CHUNK, keyB, KiB, resume, setup } from './testOutgoing.ts';

/*
 * A receiver may ask to resume from the same offset again before the bytes the sender sent again for its first ask
 * reach it: the chunks already on their way behind a loss each show the same gap, and it asks again after a while.
 * Going back again then sends the same window twice.
 */

describe('a resume asked again before the re-sent bytes arrive', () => {
  test('a loss on a slow path: the gap is reported again and again, and the sender re-sends the window once', async () => {
    const room = new FakeRoom();
    room.frameIntervalMs = 30; // a window of 8 chunks takes ~250 ms, longer than the receiver waits to ask again
    let delivered = 0;
    room.lossRate = 0.5;
    room.random = () => (++delivered === 6 ? 0 : 1); // the 6th chunk is lost on the way
    const tuning = { goBackAfterMs: 5_000, idleResumeMs: 5_000 }; // only the gaps ask; no stall on the slow path
    const [a, b] = [startPeer(room, 'a', { tuning }), startPeer(room, 'b', { tuning })];
    await Promise.all([a.start(), b.start()]);
    const file = new FakeSource('slow.bin', patternBytes(2 * MiB));
    const id = await a.engine.send(file, [{ peerId: 'b' }], false);
    await acceptWhenOffered(b);
    await doneAt(b, id);

    const resumes = room.requests.filter((request) => request.method === 'fileResume').map((request) => (request.data as { offset: number }).offset);
    process.stdout.write(`slow path: resumes ${JSON.stringify(resumes)}, re-sent ${a.engine.counters.bytesResent}\n`);
    expect(b.downloads.sinks.get(id)!.bytes).toEqual(file.bytes);
    expect(resumes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(resumes).size).toBe(1); // the same gap each time
    expect(a.engine.counters.bytesResent).toBeGreaterThan(0);
    expect(a.engine.counters.bytesResent).toBeLessThanOrEqual(WINDOW);
    a.stop();
    b.stop();
  }, 30_000);
});

describe('the sender, asked to resume from where it already went back to', () => {
  const offsets = (plans: { offset: number }[]) => plans.map((plan) => plan.offset / CHUNK);

  /** B acknowledged 2 chunks, 10 are out, chunk 5 went missing: B asks from 5 and the sender goes back there. */
  async function wentBackTo5() {
    const s = setup(4 * 1024 * KiB);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    s.pump(transfer);
    ack(transfer, 'b', keyB, 2 * CHUNK);
    s.pump(transfer);
    resume(transfer, 'b', keyB, 5 * CHUNK);
    expect(offsets(s.pump(transfer))).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(s.counters.bytesResent).toBe(5 * CHUNK); // 5–9 again
    return { s, transfer };
  }

  test('the same offset again while those chunks are on their way: nothing goes twice; acks go on from there', async () => {
    const { s, transfer } = await wentBackTo5();
    resume(transfer, 'b', keyB, 5 * CHUNK); // a second chunk behind the loss showed B the same gap
    resume(transfer, 'b', keyB, 5 * CHUNK); // and its retry
    expect(s.pump(transfer)).toEqual([]);
    expect(s.counters.bytesResent).toBe(5 * CHUNK);
    ack(transfer, 'b', keyB, 9 * CHUNK);
    expect(offsets(s.pump(transfer))).toEqual([13, 14, 15, 16]);
    expect(s.counters.bytesResent).toBe(5 * CHUNK);
  });

  test('anything B may lack still goes again: an earlier offset, a gap further on, a new peer id, its page consuming the link again, a lost store', async () => {
    const earlier = await wentBackTo5();
    resume(earlier.transfer, 'b', keyB, 3 * CHUNK);
    expect(offsets(earlier.s.pump(earlier.transfer))[0]).toBe(3);

    const further = await wentBackTo5();
    resume(further.transfer, 'b', keyB, 7 * CHUNK); // 5 and 6 arrived, 7 was lost
    expect(offsets(further.s.pump(further.transfer))[0]).toBe(7);

    const moved = await wentBackTo5();
    resume(moved.transfer, 'b-again', keyB, 5 * CHUNK); // B came back as another peer: it got none of them
    expect(moved.s.pump(moved.transfer)[0]).toMatchObject({ offset: 5 * CHUNK, audience: ['b-again'] });

    const reloaded = await wentBackTo5();
    reloaded.transfer.receiverLinked('b'); // B's page consumed our link anew (it reloaded): a new session there
    resume(reloaded.transfer, 'b', keyB, 5 * CHUNK);
    expect(offsets(reloaded.s.pump(reloaded.transfer))[0]).toBe(5);

    const lost = await wentBackTo5();
    ack(lost.transfer, 'b', keyB, 7 * CHUNK);
    lost.s.pump(lost.transfer);
    resume(lost.transfer, 'b', keyB, 5 * CHUNK); // below its ack: B lost what it had kept
    expect(offsets(lost.s.pump(lost.transfer))[0]).toBe(5);
  });

  test('a link made toward B after the resume, before anything went again, does not make its repeat a new ask', async () => {
    const s = setup(4 * 1024 * KiB);
    const transfer = await s.create();
    accept(transfer, 'b', keyB);
    s.pump(transfer);
    resume(transfer, 'b', keyB, 3 * CHUNK); // e.g. after a server restart: the resume came with the offer again
    transfer.receiverLinked('b'); // the link it needs is made now, before the first chunk goes on it
    expect(offsets(s.pump(transfer))[0]).toBe(3);
    resume(transfer, 'b', keyB, 3 * CHUNK); // B's own retry of that resume
    expect(s.pump(transfer)).toEqual([]);
  });

  test('when what went again is lost after all, the repeat left no gap: the go-back on a stall sends it again', async () => {
    const { s, transfer } = await wentBackTo5();
    resume(transfer, 'b', keyB, 5 * CHUNK);
    expect(s.pump(transfer)).toEqual([]);
    s.advance(3_000); // no ack: chunks 5–12 never arrived
    transfer.checkStalls();
    expect(offsets(s.pump(transfer))).toEqual([5]);
    resume(transfer, 'b', keyB, 5 * CHUNK); // B, asking again, is there: after a go-back that is no repeat
    expect(offsets(s.pump(transfer))).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
