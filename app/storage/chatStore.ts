import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ChatMessage } from '../../shared/protocol/index.ts';

/** A message written here and not yet acknowledged by the server. `order` is the order it was written in. */
export type OutboxEntry = { id: string; room: string; name: string; text: string; writtenAt: number; order?: number };

/** A message the server stored (it has a `seq`), as kept on this device; `mine` marks the ones written here. */
export type StoredMessage = ChatMessage & { room: string; mine: boolean };

/** What a room's chat looked like when this device last saw it. */
export type RoomChat = {
  outbox: OutboxEntry[];
  history: StoredMessage[];
  /** Every `seq` up to this one is either in `history` or known not to exist on the server. */
  settledSeq: number;
};

/**
 * The chat as this device keeps it, per room: the outbox (survives a reload or a closed app until the server
 * acknowledges each message) and the received history.
 */
export interface ChatStore {
  load(room: string): Promise<RoomChat>;
  /** Adds written messages at the end of the outbox, in this order; an entry whose id is there already is ignored. */
  addToOutbox(entries: OutboxEntry[]): Promise<void>;
  /** Stores messages in the history (ignoring ones it has, by seq or id) and takes any of them out of the outbox. */
  putMessages(room: string, messages: StoredMessage[]): Promise<void>;
  setSettledSeq(room: string, seq: number): Promise<void>;
  /** Forgets a room's history (the server's started afresh); the outbox stays to be sent. */
  clearHistory(room: string): Promise<void>;
}

interface ChatDb extends DBSchema {
  outbox: { key: number; value: OutboxEntry; indexes: { byRoom: string; byId: string } };
  history: { key: [string, number]; value: StoredMessage; indexes: { byRoomAndId: [string, string] } };
  rooms: { key: string; value: { room: string; settledSeq: number } };
}

const DB_NAME = 'huddle-chat';

let shared: Promise<ChatStore | undefined> | undefined;

/** This page's chat store, opened once. */
export function chatStore(): Promise<ChatStore | undefined> {
  shared ??= openChatStore();
  return shared;
}

/** The IndexedDB store (idb); undefined where the browser has no IndexedDB (then chat lives in memory). */
export async function openChatStore(name = DB_NAME): Promise<ChatStore | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  const db = await openDB<ChatDb>(name, 1, {
    upgrade(database) {
      // Auto-increment keys keep the outbox in the order messages were written, across reloads.
      const outbox = database.createObjectStore('outbox', { keyPath: 'order', autoIncrement: true });
      outbox.createIndex('byRoom', 'room');
      outbox.createIndex('byId', 'id', { unique: true });
      const history = database.createObjectStore('history', { keyPath: ['room', 'seq'] });
      history.createIndex('byRoomAndId', ['room', 'id'], { unique: true });
      database.createObjectStore('rooms', { keyPath: 'room' });
    },
  });
  return new IdbChatStore(db);
}

class IdbChatStore implements ChatStore {
  readonly #db: IDBPDatabase<ChatDb>;

  constructor(db: IDBPDatabase<ChatDb>) {
    this.#db = db;
  }

  async load(room: string): Promise<RoomChat> {
    const tx = this.#db.transaction(['outbox', 'history', 'rooms']);
    const [outbox, history, meta] = await Promise.all([
      tx.objectStore('outbox').index('byRoom').getAll(room),
      tx.objectStore('history').getAll(IDBKeyRange.bound([room, 0], [room, Infinity])),
      tx.objectStore('rooms').get(room),
    ]);
    outbox.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    return { outbox, history, settledSeq: meta?.settledSeq ?? 0 };
  }

  async addToOutbox(entries: OutboxEntry[]): Promise<void> {
    const tx = this.#db.transaction('outbox', 'readwrite');
    for (const entry of entries) {
      const { order: _ignored, ...written } = entry; // the store numbers it
      if ((await tx.store.index('byId').getKey(entry.id)) === undefined) await tx.store.add(written);
    }
    await tx.done;
  }

  async putMessages(room: string, messages: StoredMessage[]): Promise<void> {
    const tx = this.#db.transaction(['history', 'outbox'], 'readwrite');
    const history = tx.objectStore('history');
    const outbox = tx.objectStore('outbox');
    for (const message of messages) {
      // A unique-index clash would abort the whole transaction, so look before putting.
      const [bySeq, byId] = await Promise.all([history.getKey([room, message.seq]), history.index('byRoomAndId').getKey([room, message.id])]);
      if (!bySeq && !byId) await history.add({ ...message, room });
      const queued = await outbox.index('byId').getKey(message.id);
      if (queued !== undefined) await outbox.delete(queued);
    }
    await tx.done;
  }

  async setSettledSeq(room: string, seq: number): Promise<void> {
    await this.#db.put('rooms', { room, settledSeq: seq });
  }

  async clearHistory(room: string): Promise<void> {
    const tx = this.#db.transaction(['history', 'rooms'], 'readwrite');
    await tx.objectStore('history').delete(IDBKeyRange.bound([room, 0], [room, Infinity]));
    await tx.objectStore('rooms').delete(room);
    await tx.done;
  }
}

/** The same store in memory: for a browser without IndexedDB (the chat then lasts as long as the page). */
export function memoryChatStore(): ChatStore {
  const outbox: OutboxEntry[] = [];
  const history = new Map<string, StoredMessage[]>();
  const settled = new Map<string, number>();
  const roomHistory = (room: string) => history.get(room) ?? history.set(room, []).get(room)!;
  return {
    load: async (room) => ({
      outbox: outbox.filter((entry) => entry.room === room),
      history: [...roomHistory(room)].sort((a, b) => a.seq - b.seq),
      settledSeq: settled.get(room) ?? 0,
    }),
    addToOutbox: async (entries) => {
      for (const entry of entries) if (!outbox.some((queued) => queued.id === entry.id)) outbox.push(entry);
    },
    putMessages: async (room, messages) => {
      const kept = roomHistory(room);
      for (const message of messages) {
        if (!kept.some((known) => known.seq === message.seq || known.id === message.id)) kept.push(message);
        const index = outbox.findIndex((entry) => entry.id === message.id);
        if (index >= 0) outbox.splice(index, 1);
      }
    },
    setSettledSeq: async (room, seq) => void settled.set(room, seq),
    clearHistory: async (room) => {
      history.delete(room);
      settled.delete(room);
    },
  };
}
