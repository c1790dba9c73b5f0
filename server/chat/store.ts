import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { ChatMessage } from '../../shared/protocol/index.ts';
import type { AppendResult, ChatHistoryStore, NewChatMessage } from './historyStore.ts';

export type { AppendResult, NewChatMessage } from './historyStore.ts';

type MessageRow = { seq: number; id: string; peer_id: string; name: string; text: string; at: number };

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    peer_id TEXT NOT NULL,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (room, seq),
    UNIQUE (room, id)
  );
  -- last_seq outlives deleted history, so a room's numbers are never reused (a client's cached seq stays unique);
  -- emptied_at is NULL while the room has people in it.
  CREATE TABLE IF NOT EXISTS rooms (
    room TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL DEFAULT 0,
    emptied_at INTEGER
  );
`;

/**
 * Chat history in SQLite (node:sqlite): one file under DATA_DIR. Synchronous on purpose: each message is numbered,
 * stored and answered in one turn of the event loop, so a peer's messages keep the order they arrived in.
 *
 * @example
 * const store = ChatStore.open('/var/lib/huddle');
 * const { message, duplicate } = store.append('room', { id, peerId, name, text });
 */
export class ChatStore implements ChatHistoryStore {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #statements: Record<
    'byId' | 'bumpSeq' | 'insert' | 'history' | 'lastSeq' | 'occupied' | 'emptied' | 'expiredRooms' | 'deleteMessages' | 'forgetRoom',
    StatementSync
  >;
  #closed = false;

  /** `file` may be ':memory:' (tests). `now` is injectable so retention can be tested without waiting. */
  constructor(file: string, now: () => number = Date.now) {
    this.#db = new DatabaseSync(file);
    this.#now = now;
    // WAL: a crash of the process loses nothing committed; NORMAL skips an fsync per message (only a power cut
    // can lose the last moments), which keeps a burst of messages from stalling the event loop on the disk.
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.#db.exec(SCHEMA);
    const db = this.#db;
    this.#statements = {
      byId: db.prepare('SELECT seq, id, peer_id, name, text, at FROM messages WHERE room = ? AND id = ?'),
      bumpSeq: db.prepare(
        `INSERT INTO rooms (room, last_seq) VALUES (?, 1)
         ON CONFLICT (room) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
      ),
      insert: db.prepare('INSERT INTO messages (room, seq, id, peer_id, name, text, at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      history: db.prepare(
        'SELECT seq, id, peer_id, name, text, at FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      lastSeq: db.prepare('SELECT last_seq FROM rooms WHERE room = ?'),
      occupied: db.prepare(
        'INSERT INTO rooms (room, emptied_at) VALUES (?, NULL) ON CONFLICT (room) DO UPDATE SET emptied_at = NULL',
      ),
      emptied: db.prepare(
        'INSERT INTO rooms (room, emptied_at) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET emptied_at = excluded.emptied_at',
      ),
      // Only rooms with something left to delete: a swept room keeps its row (its last_seq) but is not looked at again.
      expiredRooms: db.prepare(
        `SELECT room, last_seq FROM rooms WHERE emptied_at IS NOT NULL AND emptied_at <= ?
         AND (last_seq = 0 OR EXISTS (SELECT 1 FROM messages WHERE messages.room = rooms.room))`,
      ),
      deleteMessages: db.prepare('DELETE FROM messages WHERE room = ?'),
      forgetRoom: db.prepare('DELETE FROM rooms WHERE room = ?'),
    };
    // Rooms that had people when the server last stopped are empty now: their retention starts with this start.
    db.prepare('UPDATE rooms SET emptied_at = ? WHERE emptied_at IS NULL').run(this.#now());
  }

  /** Opens (creating if needed) `chat.sqlite` in `dataDir`. */
  static open(dataDir: string, now?: () => number): ChatStore {
    mkdirSync(dataDir, { recursive: true });
    return new ChatStore(path.join(dataDir, 'chat.sqlite'), now);
  }

  /**
   * Stores a message under the room's next `seq`, or, when its id is already stored in the room (a resend),
   * returns the first copy with `duplicate: true` and stores nothing.
   */
  append(room: string, message: NewChatMessage): AppendResult {
    const existing = this.#statements.byId.get(room, message.id) as MessageRow | undefined;
    if (existing) return { message: fromRow(existing), duplicate: true };
    const at = this.#now();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const { last_seq: seq } = this.#statements.bumpSeq.get(room) as { last_seq: number };
      this.#statements.insert.run(room, seq, message.id, message.peerId, message.name, message.text, at);
      this.#db.exec('COMMIT');
      return { message: { seq, ...message, at }, duplicate: false };
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** The stored message with this id in the room, if any. */
  find(room: string, id: string): ChatMessage | undefined {
    const row = this.#statements.byId.get(room, id) as MessageRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Up to `limit` messages with `seq > afterSeq`, oldest first. */
  history(room: string, afterSeq: number, limit: number): ChatMessage[] {
    return (this.#statements.history.all(room, afterSeq, limit) as MessageRow[]).map(fromRow);
  }

  /** The newest `seq` the room ever had (0: none), also when its history has since been deleted. */
  lastSeq(room: string): number {
    return (this.#statements.lastSeq.get(room) as { last_seq: number } | undefined)?.last_seq ?? 0;
  }

  /** Someone is in the room: its history is kept whatever time it emptied before. */
  roomOccupied(room: string): void {
    this.#statements.occupied.run(room);
  }

  /** The room's last person left: its retention clock starts now. */
  roomEmptied(room: string): void {
    this.#statements.emptied.run(room, this.#now());
  }

  /**
   * Deletes the history of every room that has been empty for `retentionMs`; returns how many messages went.
   * Rooms that never had a message are forgotten entirely; the others keep their `last_seq`.
   */
  sweep(retentionMs: number): number {
    let deleted = 0;
    const expired = this.#statements.expiredRooms.all(this.#now() - retentionMs) as { room: string; last_seq: number }[];
    for (const { room, last_seq } of expired) {
      deleted += Number(this.#statements.deleteMessages.run(room).changes);
      if (last_seq === 0) this.#statements.forgetRoom.run(room);
    }
    return deleted;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function fromRow(row: MessageRow): ChatMessage {
  return { seq: row.seq, id: row.id, peerId: row.peer_id, name: row.name, text: row.text, at: row.at };
}
