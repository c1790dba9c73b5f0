import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { recordingHolder, type RecordingHolder } from './recordingHold.ts';
import { openRecordingStore, type IdbRecordingStore } from './recordingStore.ts';

let dbCount = 0;
const freshName = () => `recordings-test-${++dbCount}`;
/** Ids unique to the test (Web Locks in Node are process-wide, and a recording left held keeps its lock). */
const id = (name: string) => `${name}-${dbCount}`;

async function open(name: string, holder: RecordingHolder = recordingHolder(), now?: () => number): Promise<IdbRecordingStore> {
  const store = await openRecordingStore(name, holder, now);
  if (!store) throw new Error('no IndexedDB');
  return store;
}

const start = (id: string, startedAt = 1_000) => ({ id, room: 'standup', mimeType: 'video/webm;codecs=vp8,opus', startedAt });
const piece = (seq: number, size = 100) => new Blob([new Uint8Array(size).fill(seq + 1)]);

async function chunkBytes(store: IdbRecordingStore, id: string, seq: number): Promise<number[] | undefined> {
  const blob = await store.chunk(id, seq);
  return blob && [...new Uint8Array(await blob.arrayBuffer())];
}

/** A holder whose holds live in a tab that can crash: its locks are dropped, as the browser drops a dead tab's. */
function tab(): { holder: RecordingHolder; crash(): void } {
  const releases: (() => void)[] = [];
  const real = recordingHolder();
  return {
    holder: {
      seesOtherTabs: true,
      async hold(id) {
        const release = await real.hold(id);
        releases.push(release);
        return release;
      },
      held: (ids) => real.held(ids),
    },
    crash: () => releases.splice(0).forEach((release) => release()),
  };
}

describe('the IndexedDB recording store', () => {
  test('chunks written without waiting for each other are stored in call order, and the meta counts them all', async () => {
    const store = await open(freshName());
    // As a recorder does: create (which first takes the recording's lock) and MediaRecorder's chunks, fire and forget.
    const created = store.create(start(id('a')));
    await Promise.all([created, ...Array.from({ length: 10 }, (_, seq) => store.putChunk(id('a'), seq, piece(seq, 10 + seq), (seq + 1) * 1000))]);
    expect(await store.get(id('a'))).toMatchObject({ chunks: 10, bytes: 10 * 10 + 45, durationMs: 10_000, state: 'recording' });
    for (let seq = 0; seq < 10; seq++) expect(await chunkBytes(store, id('a'), seq)).toEqual(new Array(10 + seq).fill(seq + 1));
  });

  test('a chunk out of order or for an unknown recording is refused in words and changes nothing', async () => {
    const store = await open(freshName());
    await store.create(start(id('a')));
    await store.putChunk(id('a'), 0, piece(0), 1000);
    await expect(store.putChunk(id('a'), 2, piece(2), 3000)).rejects.toThrow(`Chunk 2 of recording ${id('a')} is out of order: 1 chunks are stored.`);
    await expect(store.putChunk(id('nope'), 0, piece(0), 1000)).rejects.toThrow(`There is no recording ${id('nope')} to add to`);
    expect(await store.get(id('a'))).toMatchObject({ chunks: 1, bytes: 100, durationMs: 1000 });
    expect(await store.chunk(id('a'), 2)).toBeUndefined();
    expect(await store.get(id('nope'))).toBeUndefined();
  });

  test('a chunk write that fails leaves the meta as it was: it never counts a chunk that is not stored', async () => {
    const name = freshName();
    const store = await open(name);
    await store.create(start(id('a')));
    await store.putChunk(id('a'), 0, piece(0), 1000);
    await store.putChunk(id('a'), 1, piece(1), 2000);
    // A value IndexedDB cannot store fails the chunk's put after the meta's put was already issued in the transaction.
    const unstorable = { size: 100, cannotBeCloned: () => undefined } as unknown as Blob;
    await expect(store.putChunk(id('a'), 2, unstorable, 3000)).rejects.toThrow();
    const reopened = await open(name);
    expect(await reopened.get(id('a'))).toMatchObject({ chunks: 2, bytes: 200, durationMs: 2000 });
    // And the recording goes on from there.
    await store.putChunk(id('a'), 2, piece(2), 3000);
    expect(await store.get(id('a'))).toMatchObject({ chunks: 3, bytes: 300 });
  });

  test('after a crash the recording is recovered with every chunk stored; a live one in another tab is left alone', async () => {
    const name = freshName();
    const crashed = tab();
    const live = tab();
    const first = await open(name, crashed.holder);
    const second = await open(name, live.holder);
    await first.create(start(id('cut-short'), 1_000));
    await second.create(start(id('still-recording'), 2_000));
    for (let seq = 0; seq < 5; seq++) await first.putChunk(id('cut-short'), seq, piece(seq), (seq + 1) * 1000);
    await second.putChunk(id('still-recording'), 0, piece(0), 1000);
    await first.create(start(id('never-wrote'), 3_000));
    crashed.crash();

    const afterReload = await open(name, recordingHolder());
    const recovered = await afterReload.recoverUnfinished();
    expect(recovered).toEqual([
      { id: id('cut-short'), room: 'standup', mimeType: 'video/webm;codecs=vp8,opus', startedAt: 1_000, durationMs: 5000, chunks: 5, bytes: 500, state: 'recovered' },
    ]);
    // Empty ones are dropped; the other tab's recording keeps recording.
    expect((await afterReload.list()).map(({ id, state }) => [id, state])).toEqual([
      [id('still-recording'), 'recording'],
      [id('cut-short'), 'recovered'],
    ]);
    for (let seq = 0; seq < 5; seq++) expect(await chunkBytes(afterReload, id('cut-short'), seq)).toEqual(new Array(100).fill(seq + 1));
    await second.finish(id('still-recording'), 1500);
    expect(await afterReload.recoverUnfinished()).toEqual([]);
  });

  test('without Web Locks, a recording written to in the last seconds counts as live, an older one as cut short', async () => {
    const name = freshName();
    let clock = 100_000;
    const noLocks = recordingHolder(null);
    const writer = await open(name, noLocks, () => clock);
    await writer.create(start(id('a')));
    await writer.putChunk(id('a'), 0, piece(0), 1000);
    const otherTab = await open(name, { ...noLocks, held: async () => new Set() }, () => clock);
    clock += 5_000;
    expect(await otherTab.recoverUnfinished()).toEqual([]);
    clock += 20_000;
    expect((await otherTab.recoverUnfinished()).map((meta) => meta.id)).toEqual([id('a')]);
  });

  test('delete removes the recording and every chunk of it, and no other recording', async () => {
    const store = await open(freshName());
    for (const each of [id('a'), id('b')]) {
      await store.create(start(each));
      for (let seq = 0; seq < 3; seq++) await store.putChunk(each, seq, piece(seq), (seq + 1) * 1000);
    }
    // Queued behind writes still in flight: it removes them too.
    const writing = store.putChunk(id('a'), 3, piece(3), 4000);
    await store.delete(id('a'));
    await writing;
    expect(await store.get(id('a'))).toBeUndefined();
    for (let seq = 0; seq < 4; seq++) expect(await store.chunk(id('a'), seq)).toBeUndefined();
    expect(await store.get(id('b'))).toMatchObject({ chunks: 3 });
    expect(await chunkBytes(store, id('b'), 2)).toEqual(new Array(100).fill(3));
  });

  test('list is newest first, with each one finished, recording or recovered as it is', async () => {
    const store = await open(freshName());
    await store.create(start(id('old'), 1_000));
    await store.create(start(id('newest'), 3_000));
    await store.create(start(id('middle'), 2_000));
    await store.putChunk(id('old'), 0, piece(0), 900);
    await store.finish(id('old'), 950);
    expect((await store.list()).map(({ id, state, durationMs }) => [id, state, durationMs])).toEqual([
      [id('newest'), 'recording', 0],
      [id('middle'), 'recording', 0],
      [id('old'), 'finished', 950],
    ]);
  });
});
