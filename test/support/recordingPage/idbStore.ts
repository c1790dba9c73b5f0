import { openDB, type IDBPDatabase } from 'idb';
import type { RecordingMeta, RecordingStore } from '../../../app/recording/ports.ts';

/*
 * A minimal IndexedDB RecordingStore for the recording page (the app's own store is app/storage/recordingStore.ts):
 * Blob chunks under [id, seq] and one meta row, each chunk in one transaction as the real store does. Times every put.
 */
export class TestRecordingStore implements RecordingStore {
  readonly putMs: number[] = [];
  /** When the newest put began and ended (performance.now()), to tell stalls during a write from the others. */
  lastPut = { from: -Infinity, to: -Infinity };
  #db: Promise<IDBPDatabase> = openDB('test-recordings', 1, {
    upgrade(db) {
      db.createObjectStore('meta', { keyPath: 'id' });
      db.createObjectStore('chunks');
    },
  });

  /** The newest recording's id. */
  lastCreated: string | null = null;

  async create(meta: Pick<RecordingMeta, 'id' | 'room' | 'mimeType' | 'startedAt'>): Promise<void> {
    this.lastCreated = meta.id;
    await (await this.#db).put('meta', { ...meta, durationMs: 0, chunks: 0, bytes: 0, state: 'recording' });
  }

  async putChunk(id: string, seq: number, data: Blob, durationMs: number): Promise<void> {
    const started = performance.now();
    this.lastPut = { from: started, to: Infinity };
    const tx = (await this.#db).transaction(['meta', 'chunks'], 'readwrite');
    const meta = (await tx.objectStore('meta').get(id)) as RecordingMeta;
    await tx.objectStore('chunks').put(data, [id, seq]);
    await tx.objectStore('meta').put({ ...meta, durationMs, chunks: seq + 1, bytes: meta.bytes + data.size });
    await tx.done;
    this.putMs.push(performance.now() - started);
    this.lastPut = { from: started, to: performance.now() };
  }

  async finish(id: string, durationMs: number): Promise<void> {
    const db = await this.#db;
    const meta = (await db.get('meta', id)) as RecordingMeta;
    await db.put('meta', { ...meta, durationMs, state: 'finished' });
  }

  async list(): Promise<RecordingMeta[]> {
    return (await (await this.#db).getAll('meta')) as RecordingMeta[];
  }

  async delete(id: string): Promise<void> {
    const db = await this.#db;
    await db.delete('meta', id);
    await db.delete('chunks', IDBKeyRange.bound([id, 0], [id, Infinity]));
  }

  async recoverUnfinished(): Promise<RecordingMeta[]> {
    return [];
  }

  /** The whole file, chunk after chunk, as the download would join them. */
  async file(id: string): Promise<Blob> {
    const chunks = (await (await this.#db).getAll('chunks', IDBKeyRange.bound([id, 0], [id, Infinity]))) as Blob[];
    return new Blob(chunks);
  }
}
