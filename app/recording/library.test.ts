import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { recentlyDeleted, recordingLibrary, recordings } from '../models/recording.ts';
import { RecordingLibrary, UNDO_DELETE_MS } from './library.ts';
import type { RecordingMeta, RecordingStore } from './ports.ts';

function meta(id: string, patch: Partial<RecordingMeta> = {}): RecordingMeta {
  return { id, room: 'daily', mimeType: 'video/webm', startedAt: 1_000, durationMs: 5_000, chunks: 5, bytes: 1e6, state: 'finished', ...patch };
}

/** Keeps recordings in a map, as the IndexedDB store would. */
function memoryStore(initial: RecordingMeta[]): RecordingStore & { all: Map<string, RecordingMeta> } {
  const all = new Map(initial.map((recording) => [recording.id, recording]));
  return {
    all,
    async create() {},
    async putChunk() {},
    async finish() {},
    async list() {
      return [...all.values()].sort((a, b) => b.startedAt - a.startedAt);
    },
    async delete(id) {
      all.delete(id);
    },
    async recoverUnfinished() {
      const found = [...all.values()].filter((recording) => recording.state === 'recording');
      for (const recording of found) all.set(recording.id, { ...recording, state: 'recovered' });
      return found;
    },
  };
}

describe('the recordings on this device', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    recordings.value = [];
    recentlyDeleted.value = null;
    recordingLibrary.value = null;
  });

  test('at start-up a recording a crash left unfinished is listed as recovered, newest first', async () => {
    const store = memoryStore([meta('old', { startedAt: 1 }), meta('crashed', { startedAt: 2, state: 'recording' })]);
    await new RecordingLibrary(store, () => undefined).open();
    expect(recordings.value.map((recording) => [recording.id, recording.state])).toEqual([
      ['crashed', 'recovered'],
      ['old', 'finished'],
    ]);
    expect(recordingLibrary.value).not.toBeNull();
  });

  test('Delete takes it off the list at once; Undo brings it back and nothing is erased', async () => {
    const store = memoryStore([meta('a')]);
    const library = new RecordingLibrary(store, () => undefined);
    await library.open();
    library.delete('a');
    expect(recordings.value).toEqual([]);
    expect(recentlyDeleted.value?.id).toBe('a');
    library.undoDelete();
    await vi.advanceTimersByTimeAsync(UNDO_DELETE_MS * 2);
    expect(store.all.has('a')).toBe(true);
    expect(recordings.value.map((recording) => recording.id)).toEqual(['a']);
  });

  test('without Undo, the recording and its chunks are erased once the undo time has passed', async () => {
    const store = memoryStore([meta('a'), meta('b')]);
    const library = new RecordingLibrary(store, () => undefined);
    await library.open();
    library.delete('a');
    await vi.advanceTimersByTimeAsync(UNDO_DELETE_MS - 100);
    expect(store.all.has('a')).toBe(true);
    await vi.advanceTimersByTimeAsync(200);
    expect(store.all.has('a')).toBe(false);
    expect(recentlyDeleted.value).toBeNull();
    expect(recordings.value.map((recording) => recording.id)).toEqual(['b']);
  });

  test('a second delete erases the first at once (only the newest can be undone)', async () => {
    const store = memoryStore([meta('a'), meta('b')]);
    const library = new RecordingLibrary(store, () => undefined);
    await library.open();
    library.delete('a');
    library.delete('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(store.all.has('a')).toBe(false);
    expect(store.all.has('b')).toBe(true);
    expect(recentlyDeleted.value?.id).toBe('b');
  });

  test('Download goes through the service worker; one still being recorded, or empty, is refused in words', async () => {
    const started: string[] = [];
    const store = memoryStore([meta('done'), meta('live', { state: 'recording' }), meta('empty', { chunks: 0, bytes: 0 })]);
    // Not opened through recoverUnfinished here: 'live' belongs to a recorder in this page.
    const library = new RecordingLibrary(store, (url) => void started.push(url));
    await library.refresh();
    expect(await library.download('done')).toBeUndefined();
    expect(started).toEqual(['/_recording/done']);
    expect(await library.download('live')).toMatch(/Stop recording/);
    expect(await library.download('empty')).toMatch(/Nothing was recorded/);
    expect(started).toHaveLength(1);
  });
});
