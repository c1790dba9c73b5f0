import { describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { memoryTransferStore } from '../storage/transferStore.ts';
import { IncomingTransfer, type IncomingContext } from './incoming.ts';
import type { FileControl } from './ports.ts';
import { FakeDownloads, patternBytes, sha256Of } from './testFakes.ts';
import { defaultTuning, type Tuning } from './tuning.ts';

const KiB = 1024;
const CHUNK = 64 * KiB;
const transferId = '00000000-0000-4000-8000-00000000000a';

async function setup(size: number, tuning: Partial<Tuning> = {}, browser = { supported: true }) {
  let clock = 1_000;
  const store = memoryTransferStore();
  const downloads = new FakeDownloads();
  downloads.supported = browser.supported;
  const calls: { method: string; data: Record<string, unknown>; persisted?: number }[] = [];
  const record = (method: string) => async (data: Record<string, unknown>) => {
    const kept = (await store.loadTransfers())[0];
    calls.push({ method, data, ...(kept?.direction === 'in' ? { persisted: kept.received } : {}) });
  };
  const control = {
    answer: record('answer'),
    ack: record('ack'),
    resume: record('resume'),
    cancel: record('cancel'),
    verified: record('verified'),
  } as unknown as FileControl;
  const counters = { bytesSent: 0, bytesResent: 0, bytesReceived: 0, framesDiscarded: 0 };
  const ctx: IncomingContext = {
    control,
    downloads,
    store,
    counters,
    tuning: { ...defaultTuning, flushMs: 5, flushBytes: 128 * KiB, stallCheckMs: 20, ...tuning },
    now: () => clock,
    changed: () => {},
  };
  const file = patternBytes(size);
  const meta = { name: 'in.bin', size, type: '', firstChunkSha256: sha256Of(file.subarray(0, CHUNK)) };
  const transfer = IncomingTransfer.offered({ transferId, from: { peerId: 'a', name: 'Ann', key: 'a'.repeat(64) }, meta }, ctx);
  await transfer.accept();
  const chunk = (index: number) => file.subarray(index * CHUNK, Math.min(size, (index + 1) * CHUNK));
  const give = (index: number) => transfer.frame(index * CHUNK, chunk(index));
  const sink = () => downloads.sinks.get(transferId)!;
  const of = (method: string) => calls.filter((call) => call.method === method);
  return {
    transfer,
    store,
    counters,
    file,
    give,
    sink,
    of,
    ctx,
    downloads,
    advance: (ms: number) => (clock += ms),
    dispose: () => transfer.dispose(),
  };
}

describe('incoming transfer', () => {
  test('only the chunk at the expected offset is taken; duplicates and gaps are dropped and counted', async () => {
    const s = await setup(10 * CHUNK);
    s.give(0);
    s.give(0); // duplicate
    s.give(2); // gap
    s.give(1);
    s.give(1); // duplicate
    s.give(2);
    expect(s.counters).toMatchObject({ bytesReceived: 3 * CHUNK, framesDiscarded: 3 });
    await waitUntil(() => s.sink().written === 3 * CHUNK, 'the download has chunks 0–2');
    expect(s.sink().bytes).toEqual(s.file.subarray(0, 3 * CHUNK));
    s.dispose();
  });

  test('a gap asks the sender to resume from the expected offset, once, however many chunks show it; again after a while', async () => {
    const s = await setup(20 * CHUNK, { gapResumeIntervalMs: 1_000 });
    s.give(0);
    for (const index of [2, 3, 4, 5]) s.give(index); // chunk 1 lost; the rest of the window arrives
    await waitUntil(() => s.of('resume').length === 1, 'a resume');
    expect(s.of('resume')[0]!.data).toMatchObject({ transferId, offset: CHUNK });
    s.advance(1_000);
    s.give(6);
    await waitUntil(() => s.of('resume').length === 2, 'a second resume');
    s.give(1); // the re-sent chunk arrives
    s.give(2);
    expect(s.counters.bytesReceived).toBe(3 * CHUNK);
    s.dispose();
  });

  test('an offset is acknowledged only once it is persisted with the hash state; the download gets every byte in order', async () => {
    const s = await setup(12 * CHUNK + 77);
    for (let index = 0; index <= 12; index++) s.give(index);
    await waitUntil(() => s.of('ack').at(-1)?.data.offset === 12 * CHUNK + 77, 'the last ack');
    for (const ack of s.of('ack')) expect(ack.persisted).toBeGreaterThanOrEqual(ack.data.offset as number);
    expect(s.of('ack').length).toBeLessThan(13); // batched, not one write per chunk
    await waitUntil(() => s.sink().written === s.file.byteLength, 'the download has everything');
    expect(s.sink().bytes).toEqual(s.file);
    s.dispose();
  });

  test('while too much waits for a slow download, acks stop (repeated, not advanced) and go on once it catches up', async () => {
    const s = await setup(40 * CHUNK, { maxPendingDownload: 4 * CHUNK, holdAckRepeatMs: 50 });
    let release!: () => void;
    s.sink().gate = new Promise((resolve) => (release = resolve));
    for (let index = 0; index < 12; index++) s.give(index);
    await waitUntil(() => s.transfer.bytesDone === 12 * CHUNK, 'persisted');
    s.advance(100);
    await waitUntil(() => s.of('ack').length >= 2, 'an ack repeated while holding');
    const heldAt = Math.max(...s.of('ack').map((ack) => ack.data.offset as number));
    expect(heldAt).toBeLessThanOrEqual(4 * CHUNK + 2 * CHUNK); // a batch may straddle the limit
    release();
    await waitUntil(() => s.of('ack').at(-1)?.data.offset === 12 * CHUNK, 'acks go on');
    s.dispose();
  });

  test('the sender’s SHA-256 matches: verified, the download is saved; it does not: failed in words, the download aborted', async () => {
    const good = await setup(3 * CHUNK);
    for (let index = 0; index < 3; index++) good.give(index);
    await good.transfer.settled();
    await good.transfer.done({ transferId, sha256: sha256Of(good.file) });
    await waitUntil(() => good.transfer.phase === 'done', 'done');
    expect(good.of('verified')[0]!.data).toEqual({ transferId, ok: true });
    expect(good.sink().closed).toBe(true);
    expect(await good.store.loadTransfers()).toEqual([]);

    const bad = await setup(3 * CHUNK);
    for (let index = 0; index < 3; index++) bad.give(index);
    await bad.transfer.settled();
    await bad.transfer.done({ transferId, sha256: sha256Of('something else') });
    await waitUntil(() => bad.transfer.phase === 'failed', 'failed');
    expect(bad.transfer.error).toBe('The file arrived damaged (SHA-256 did not match); it was not saved.');
    expect(bad.of('verified')[0]!.data).toEqual({ transferId, ok: false });
    expect(bad.sink().aborted).toBeDefined();
    expect(bad.sink().closed).toBe(false);
  });

  test('a 0-byte file: accepted, then verified and saved as soon as the digest comes', async () => {
    const s = await setup(0);
    await s.transfer.done({ transferId, sha256: sha256Of('') });
    await waitUntil(() => s.transfer.phase === 'done', 'done');
    expect(s.sink().closed).toBe(true);
  });

  test('a second tap on Accept while the first is under way opens no second download and answers once', async () => {
    const s = await setup(CHUNK);
    const again = IncomingTransfer.offered(
      {
        transferId: '00000000-0000-4000-8000-00000000000b',
        from: { peerId: 'a', name: 'Ann', key: 'a'.repeat(64) },
        meta: s.transfer.meta,
      },
      s.ctx,
    );
    await Promise.all([again.accept(), again.accept()]);
    expect(s.of('answer').filter((call) => call.data.transferId === again.id)).toHaveLength(1);
    expect(s.downloads.opened).toBe(2); // the one in setup, and this one once
    again.dispose();
    s.dispose();
  });

  test('without a service worker it says so in words, and the sender hears a decline instead of waiting', async () => {
    const s = await setup(CHUNK, {}, { supported: false });
    expect(s.transfer.phase).toBe('failed');
    expect(s.transfer.error).toMatch(/cannot save received files here \(no service worker/);
    expect(s.of('answer')[0]!.data).toMatchObject({ transferId, accept: false });
  });

  test('cancel here: the sender is told, the download is dropped, nothing is taken after', async () => {
    const s = await setup(10 * CHUNK);
    s.give(0);
    await s.transfer.cancel();
    expect(s.of('cancel')).toHaveLength(1);
    expect(s.sink().aborted).toBeDefined();
    s.give(1);
    expect(s.counters.bytesReceived).toBe(CHUNK);
    expect(s.transfer.phase).toBe('cancelled');
  });
});

describe('acknowledgements', () => {
  test('on a fast link they are coalesced to one per interval, each for everything persisted by then', async () => {
    const s = await setup(64 * CHUNK, { flushMs: 1, flushBytes: CHUNK, minAckIntervalMs: 200 });
    const started = performance.now();
    for (let index = 0; index < 64; index++) {
      s.give(index);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => s.of('ack').at(-1)?.data.offset === 64 * CHUNK, 'every byte acknowledged', 5_000);
    const elapsed = performance.now() - started;
    // 64 flushes, but no more acks than intervals that passed (plus the first), and the last covers everything.
    expect(s.of('ack').length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 1);
    expect(s.of('ack').length).toBeGreaterThan(1);
    const offsets = s.of('ack').map((call) => call.data.offset as number);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    s.dispose();
  });
});
