import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { FileMeta } from '../../shared/protocol/index.ts';

/** A recipient of an outgoing transfer as kept across a reload (its offsets come back with its `fileResume`). */
export type StoredRecipient = {
  peerId: string;
  key?: string;
  state: 'offered' | 'accepted' | 'done' | 'declined' | 'cancelled' | 'failed';
};

/** An outgoing transfer: enough to offer it again after a reload, once the person picks the same file. */
export type StoredOutgoing = {
  direction: 'out';
  id: string;
  secret: string;
  meta: FileMeta;
  everyone: boolean;
  recipients: StoredRecipient[];
  createdAt: number;
};

/** An accepted incoming transfer: bytes [0, received) are persisted, hashed into `hashState`, and either written to the download or kept as chunks. */
export type StoredIncoming = {
  direction: 'in';
  id: string;
  secret: string;
  meta: FileMeta;
  from: { peerId: string; name: string; key: string };
  received: number;
  hashState: Uint8Array;
  createdAt: number;
};

export type StoredTransfer = StoredOutgoing | StoredIncoming;

/** Received bytes not yet handed to the download. */
export type StoredChunk = { transferId: string; offset: number; bytes: Uint8Array };

/** Unfinished transfers and the received chunks the download has not taken yet. */
export interface TransferStore {
  loadTransfers(): Promise<StoredTransfer[]>;
  putTransfer(record: StoredTransfer): Promise<void>;
  /** In one transaction: the record, new chunks, and forgetting the chunks that start below `keepFrom` (the download has them). */
  persistReceived(record: StoredIncoming, chunks: StoredChunk[], keepFrom: number): Promise<void>;
  /** The kept chunks of a transfer from `from` on, in order. */
  loadChunks(transferId: string, from: number): Promise<StoredChunk[]>;
  /** Forgets a transfer and its chunks (finished, cancelled, failed). */
  removeTransfer(transferId: string): Promise<void>;
}

interface TransferDb extends DBSchema {
  transfers: { key: string; value: StoredTransfer };
  chunks: { key: [string, number]; value: StoredChunk };
}

const DB_NAME = 'huddle-transfers';

/** The IndexedDB store (idb); undefined where the browser has no IndexedDB (then transfers live in memory). */
export async function openTransferStore(name = DB_NAME): Promise<TransferStore | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  const db = await openDB<TransferDb>(name, 1, {
    upgrade(database) {
      database.createObjectStore('transfers', { keyPath: 'id' });
      database.createObjectStore('chunks', { keyPath: ['transferId', 'offset'] });
    },
  });
  return new IdbTransferStore(db);
}

const chunkRange = (transferId: string, from: number, below = Infinity) =>
  IDBKeyRange.bound([transferId, from], [transferId, below], false, true);

class IdbTransferStore implements TransferStore {
  readonly #db: IDBPDatabase<TransferDb>;

  constructor(db: IDBPDatabase<TransferDb>) {
    this.#db = db;
  }

  loadTransfers(): Promise<StoredTransfer[]> {
    return this.#db.getAll('transfers');
  }

  async putTransfer(record: StoredTransfer): Promise<void> {
    await this.#db.put('transfers', record);
  }

  async persistReceived(record: StoredIncoming, chunks: StoredChunk[], keepFrom: number): Promise<void> {
    const tx = this.#db.transaction(['transfers', 'chunks'], 'readwrite');
    const chunkStore = tx.objectStore('chunks');
    // Requests in one transaction run in order: issued together, awaited together (each rejects if the transaction fails).
    const requests: Promise<unknown>[] = [tx.objectStore('transfers').put(record)];
    if (keepFrom > 0) requests.push(chunkStore.delete(chunkRange(record.id, 0, keepFrom)));
    for (const chunk of chunks) if (chunk.offset >= keepFrom) requests.push(chunkStore.put(chunk));
    await Promise.all([...requests, tx.done]);
  }

  loadChunks(transferId: string, from: number): Promise<StoredChunk[]> {
    // A chunk that starts below `from` may still hold bytes at and after it.
    return this.#db
      .getAll('chunks', chunkRange(transferId, 0))
      .then((chunks) => chunks.filter((chunk) => chunk.offset + chunk.bytes.byteLength > from));
  }

  async removeTransfer(transferId: string): Promise<void> {
    const tx = this.#db.transaction(['transfers', 'chunks'], 'readwrite');
    await Promise.all([
      tx.objectStore('transfers').delete(transferId),
      tx.objectStore('chunks').delete(chunkRange(transferId, 0)),
      tx.done,
    ]);
  }
}

/** The same store in memory: for a browser without IndexedDB (transfers then last as long as the page). */
export function memoryTransferStore(): TransferStore {
  const transfers = new Map<string, StoredTransfer>();
  const chunks = new Map<string, StoredChunk[]>();
  return {
    loadTransfers: async () => [...transfers.values()],
    putTransfer: async (record) => void transfers.set(record.id, record),
    persistReceived: async (record, added, keepFrom) => {
      transfers.set(record.id, record);
      const kept = [...(chunks.get(record.id) ?? []), ...added].filter((chunk) => chunk.offset >= keepFrom);
      chunks.set(record.id, kept);
    },
    loadChunks: async (transferId, from) =>
      (chunks.get(transferId) ?? []).filter((chunk) => chunk.offset + chunk.bytes.byteLength > from).sort((a, b) => a.offset - b.offset),
    removeTransfer: async (transferId) => {
      transfers.delete(transferId);
      chunks.delete(transferId);
    },
  };
}

/**
 * This device's store, usable at once: calls wait for IndexedDB to open, and fall back to memory where it cannot
 * (no IndexedDB, storage blocked) — then transfers still work, only not across a reload.
 */
export function deviceTransferStore(): TransferStore {
  const opened = openTransferStore()
    .catch(() => undefined)
    .then((store) => store ?? memoryTransferStore());
  return {
    loadTransfers: () => opened.then((store) => store.loadTransfers()),
    putTransfer: (record) => opened.then((store) => store.putTransfer(record)),
    persistReceived: (record, chunks, keepFrom) => opened.then((store) => store.persistReceived(record, chunks, keepFrom)),
    loadChunks: (transferId, from) => opened.then((store) => store.loadChunks(transferId, from)),
    removeTransfer: (transferId) => opened.then((store) => store.removeTransfer(transferId)),
  };
}
