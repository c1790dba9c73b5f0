import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { RecordingMeta, RecordingStore } from '../recording/ports.ts';
import { LIVE_WITHOUT_LOCKS_MS, recordingHolder, type RecordingHolder, type ReleaseHold } from './recordingHold.ts';

/*
 * Recordings in IndexedDB, written by the page's recorder and read by the service worker that saves them
 * (sw/recordings.ts); both import this module. Each MediaRecorder chunk is a Blob keyed [id, seq] (the browser keeps
 * Blob bytes on disk), put in the same transaction as the recording's meta: whatever a crash interrupts, the meta
 * never counts a chunk that is not stored, so chunks 0..chunks-1 always make a file that plays.
 */

/** One stored chunk: MediaRecorder's `dataavailable` data, as it was handed over. */
export type StoredRecordingChunk = { id: string; seq: number; data: Blob };

/** The meta as stored: plus when it was last written, which stands in for a lock where there are no Web Locks. */
type StoredRecording = RecordingMeta & { writtenAt: number };

interface RecordingDb extends DBSchema {
  recordings: { key: string; value: StoredRecording };
  chunks: { key: [string, number]; value: StoredRecordingChunk };
}

const DB_NAME = 'huddle-recordings';

/** A write refused in words (unknown recording, a chunk out of order). */
export class RecordingStoreError extends Error {
  override readonly name = 'RecordingStoreError';
}

const chunkRange = (id: string) => IDBKeyRange.bound([id, 0], [id, Infinity]);

function withoutWrittenAt({ writtenAt: _, ...meta }: StoredRecording): RecordingMeta {
  return meta;
}

type ReadWrite = IDBPTransaction<RecordingDb, StoreNames<RecordingDb>[], 'readwrite'>;

/** Ends a transaction whose requests did not all go through (a put that threw at once would otherwise commit the rest). */
function abandon(tx: ReadWrite): void {
  tx.done.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    // Already finished or aborted: nothing of it committed past the failure.
  }
}

/** The store plus what the service worker reads to save a recording. */
export class IdbRecordingStore implements RecordingStore {
  readonly #db: IDBPDatabase<RecordingDb>;
  readonly #holder: RecordingHolder;
  readonly #now: () => number;
  /** Per recording, the tail of its writes: each write starts once the one called before it has settled. */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Recordings this store's recorder holds (from create until finish or delete). */
  readonly #releases = new Map<string, ReleaseHold>();

  constructor(db: IDBPDatabase<RecordingDb>, holder: RecordingHolder, now: () => number) {
    this.#db = db;
    this.#holder = holder;
    this.#now = now;
  }

  #serial<T>(id: string, write: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(write);
    this.#queues.set(id, next);
    const forget = () => {
      if (this.#queues.get(id) === next) this.#queues.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  #release(id: string): void {
    this.#releases.get(id)?.();
    this.#releases.delete(id);
  }

  create(meta: Pick<RecordingMeta, 'id' | 'room' | 'mimeType' | 'startedAt'>): Promise<void> {
    return this.#serial(meta.id, async () => {
      // Held before it exists, so no other tab's start-up can ever find it unheld while this page records.
      this.#releases.set(meta.id, await this.#holder.hold(meta.id));
      try {
        await this.#db.add('recordings', { ...meta, durationMs: 0, chunks: 0, bytes: 0, state: 'recording', writtenAt: this.#now() });
      } catch (error) {
        this.#release(meta.id);
        throw error;
      }
    });
  }

  putChunk(id: string, seq: number, data: Blob, durationMs: number): Promise<void> {
    return this.#serial(id, async () => {
      const tx = this.#db.transaction(['recordings', 'chunks'], 'readwrite');
      const recordings = tx.objectStore('recordings');
      const meta = await recordings.get(id);
      if (!meta) throw new RecordingStoreError(`There is no recording ${id} to add to (it was deleted).`);
      if (seq !== meta.chunks) throw new RecordingStoreError(`Chunk ${seq} of recording ${id} is out of order: ${meta.chunks} chunks are stored.`);
      const next: StoredRecording = {
        ...meta,
        chunks: seq + 1,
        bytes: meta.bytes + data.size,
        durationMs: Math.max(meta.durationMs, durationMs),
        writtenAt: this.#now(),
      };
      // The meta first: should the chunk's put throw at once (a value IndexedDB cannot store), the meta's is undone.
      const requests: Promise<unknown>[] = [];
      try {
        requests.push(recordings.put(next));
        requests.push(tx.objectStore('chunks').put({ id, seq, data }));
        requests.push(tx.done);
        await Promise.all(requests);
      } catch (error) {
        for (const request of requests) request.catch(() => undefined);
        abandon(tx);
        throw error;
      }
    });
  }

  finish(id: string, durationMs: number): Promise<void> {
    return this.#serial(id, async () => {
      const tx = this.#db.transaction('recordings', 'readwrite');
      const meta = await tx.store.get(id);
      if (!meta) throw new RecordingStoreError(`There is no recording ${id} to finish (it was deleted).`);
      await Promise.all([tx.store.put({ ...meta, state: 'finished', durationMs, writtenAt: this.#now() }), tx.done]);
      this.#release(id);
    });
  }

  async list(): Promise<RecordingMeta[]> {
    const stored = await this.#db.getAll('recordings');
    return stored.map(withoutWrittenAt).sort((a, b) => b.startedAt - a.startedAt);
  }

  delete(id: string): Promise<void> {
    return this.#serial(id, async () => {
      this.#release(id);
      const tx = this.#db.transaction(['recordings', 'chunks'], 'readwrite');
      await Promise.all([tx.objectStore('recordings').delete(id), tx.objectStore('chunks').delete(chunkRange(id)), tx.done]);
    });
  }

  async recoverUnfinished(): Promise<RecordingMeta[]> {
    const unfinished = (await this.#db.getAll('recordings')).filter((meta) => meta.state === 'recording');
    const held = await this.#holder.held(unfinished.map((meta) => meta.id));
    const cutShort = unfinished.filter(
      (meta) => !held.has(meta.id) && (this.#holder.seesOtherTabs || this.#now() - meta.writtenAt > LIVE_WITHOUT_LOCKS_MS),
    );
    const recovered: RecordingMeta[] = [];
    for (const { id } of cutShort) {
      const meta = await this.#serial(id, async () => {
        const tx = this.#db.transaction(['recordings', 'chunks'], 'readwrite');
        const current = await tx.objectStore('recordings').get(id);
        if (current?.state !== 'recording') return undefined;
        if (current.chunks === 0) {
          // Cut short before its first chunk: nothing to save, so nothing to list.
          await Promise.all([tx.objectStore('recordings').delete(id), tx.objectStore('chunks').delete(chunkRange(id)), tx.done]);
          return undefined;
        }
        const marked: StoredRecording = { ...current, state: 'recovered' };
        await Promise.all([tx.objectStore('recordings').put(marked), tx.done]);
        return withoutWrittenAt(marked);
      });
      if (meta) recovered.push(meta);
    }
    return recovered.sort((a, b) => b.startedAt - a.startedAt);
  }

  /** One recording's meta, or undefined. */
  async get(id: string): Promise<RecordingMeta | undefined> {
    const stored = await this.#db.get('recordings', id);
    return stored && withoutWrittenAt(stored);
  }

  /** Chunk `seq` of a recording, or undefined when it is not stored (deleted meanwhile). */
  async chunk(id: string, seq: number): Promise<Blob | undefined> {
    return (await this.#db.get('chunks', [id, seq]))?.data;
  }
}

/** The IndexedDB store (idb); undefined where the browser has no IndexedDB (a recording then cannot be kept). */
export async function openRecordingStore(
  name = DB_NAME,
  holder: RecordingHolder = recordingHolder(),
  now: () => number = Date.now,
): Promise<IdbRecordingStore | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  const db = await openDB<RecordingDb>(name, 1, {
    upgrade(database) {
      database.createObjectStore('recordings', { keyPath: 'id' });
      database.createObjectStore('chunks', { keyPath: ['id', 'seq'] });
    },
  });
  return new IdbRecordingStore(db, holder, now);
}
