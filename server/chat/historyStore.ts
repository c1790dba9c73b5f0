import type { ChatMessage } from '../../shared/protocol/index.ts';

/** What the sender supplies; the store adds `seq` and `at`. */
export type NewChatMessage = Pick<ChatMessage, 'id' | 'peerId' | 'name' | 'text'>;

/** `duplicate`: a message with this id was already stored in this room; `message` is that first copy. */
export type AppendResult = { message: ChatMessage; duplicate: boolean };

type MaybePromise<T> = T | Promise<T>;

/**
 * Where chat history is kept: SQLite on one server (store.ts, synchronous), Redis for a service of several
 * (redisStore.ts, asynchronous). Keys are history keys (chat/roomEvents.ts `chatHistoryKey`). Both number a room's
 * messages 1, 2, 3… atomically, never reuse a number, deduplicate by message id, and delete a room's messages once
 * it has been empty for the retention time.
 */
export interface ChatHistoryStore {
  /** Stores under the next seq, or returns the first copy of a resend with `duplicate: true`. */
  append(key: string, message: NewChatMessage): MaybePromise<AppendResult>;
  /** The stored message with this id, if any. */
  find(key: string, id: string): MaybePromise<ChatMessage | undefined>;
  /** Up to `limit` messages with `seq > afterSeq`, oldest first. */
  history(key: string, afterSeq: number, limit: number): MaybePromise<ChatMessage[]>;
  /** The newest seq the room ever had (0: none), also after its history was deleted. */
  lastSeq(key: string): MaybePromise<number>;
  /** Someone is in the room (on this server): its history is kept. */
  roomOccupied(key: string): MaybePromise<void>;
  /** This server's last person in the room left: its retention clock starts once no server has anyone there. */
  roomEmptied(key: string): MaybePromise<void>;
  /** Deletes the messages of rooms empty for `retentionMs`; returns how many went. */
  sweep(retentionMs: number): MaybePromise<number>;
  close(): void;
}
