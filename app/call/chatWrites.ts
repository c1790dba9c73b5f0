import { createLogger } from '../log.ts';
import type { ChatStore, OutboxEntry, StoredMessage } from '../storage/chatStore.ts';
import { createSerialQueue } from './serialQueue.ts';

const log = createLogger('chat');

/** Changes waiting to be written to the store. */
export type PendingWrites = { clear: boolean; adds: OutboxEntry[]; puts: StoredMessage[]; settled: number | undefined };
const noWrites = (): PendingWrites => ({ clear: false, adds: [], puts: [], settled: undefined });

/**
 * One room's chat changes on their way to the device's store. Changes made while a write is under way are written
 * together in the next one (a burst of a thousand messages is a few transactions, not a thousand), in the order that
 * keeps the store right: a message enters the outbox before its delivery takes it out.
 */
export class ChatWrites {
  readonly #room: string;
  readonly #store: () => ChatStore;
  readonly #persist = createSerialQueue();
  #pending = noWrites();
  /** The write that will take the pending changes (it picks them up when it starts). */
  #scheduled: Promise<void> | undefined;

  /** `store` is read when each write starts: the device's store replaces the memory one once it has opened. */
  constructor(room: string, store: () => ChatStore) {
    this.#room = room;
    this.#store = store;
  }

  /** Queues a change; resolves once it is written (or its write failed, which is logged). */
  later(change: (pending: PendingWrites) => void): Promise<void> {
    change(this.#pending);
    if (this.#scheduled) return this.#scheduled;
    const room = this.#room;
    const write = this.#persist(async () => {
      const batch = this.#pending;
      this.#pending = noWrites();
      this.#scheduled = undefined;
      const store = this.#store();
      if (batch.clear) await store.clearHistory(room);
      if (batch.adds.length) await store.addToOutbox(batch.adds);
      if (batch.puts.length) await store.putMessages(room, batch.puts);
      if (batch.settled !== undefined) await store.setSettledSeq(room, batch.settled);
    }).catch((error: unknown) => log.warn('could not store the chat', String(error)));
    this.#scheduled = write;
    return write;
  }
}
