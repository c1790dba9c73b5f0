import type { ChatMessage } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { ChatFeed } from './service.ts';

const log = createLogger('chat');

/**
 * How long a message waits for the ones before it. Two servers store into one room at once, and their
 * announcements can cross on the way: the earlier number usually arrives within milliseconds.
 */
export const GAP_WAIT_MS = 300;
const GAP_FETCH_LIMIT = 500;

/**
 * Puts one room's messages on its feed on this server in seq order, each once, whichever server stored them. A
 * message whose predecessors have not arrived waits GAP_WAIT_MS; then the missing ones are read from the store.
 * It starts at the first message it is offered: older ones reach people through `chatHistory`, as for any
 * late joiner.
 */
export class FeedSequencer {
  #next: number | undefined;
  #feed: ChatFeed | undefined;
  readonly #held = new Map<number, ChatMessage>();
  readonly #deliver: (feed: ChatFeed, message: ChatMessage) => void;
  readonly #fetch: (afterSeq: number, limit: number) => Promise<ChatMessage[]>;
  #gapTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(deliver: (feed: ChatFeed, message: ChatMessage) => void, fetch: (afterSeq: number, limit: number) => Promise<ChatMessage[]>) {
    this.#deliver = deliver;
    this.#fetch = fetch;
  }

  /** A stored message for this room (from this server or another); `feed` is the room's feed here now. */
  offer(feed: ChatFeed, message: ChatMessage): void {
    if (this.#closed) return;
    this.#feed = feed;
    this.#next ??= message.seq;
    if (message.seq < this.#next) return; // already on the feed
    this.#held.set(message.seq, message);
    this.#flush();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#gapTimer);
    this.#held.clear();
  }

  #flush(): void {
    const feed = this.#feed;
    if (!feed || this.#next === undefined) return;
    for (let message = this.#held.get(this.#next); message; message = this.#held.get(this.#next)) {
      this.#held.delete(this.#next);
      this.#next++;
      this.#deliver(feed, message);
    }
    if (this.#held.size === 0) {
      clearTimeout(this.#gapTimer);
      this.#gapTimer = undefined;
    } else {
      this.#gapTimer ??= setTimeout(() => void this.#fillGap(), GAP_WAIT_MS);
    }
  }

  /** The missing messages did not come over the bus (a server died between storing and announcing): read them. */
  async #fillGap(): Promise<void> {
    const from = this.#next;
    if (from === undefined) return;
    try {
      for (const message of await this.#fetch(from - 1, GAP_FETCH_LIMIT)) {
        if (message.seq >= (this.#next ?? 0) && !this.#held.has(message.seq)) this.#held.set(message.seq, message);
      }
    } catch (error) {
      log.warn('could not read a chat gap from the store; its receivers fetch it themselves', { error });
    }
    this.#gapTimer = undefined;
    if (this.#closed) return;
    // What the store does not have either (deleted, or unreachable) is skipped: receivers see the gap and ask.
    if (this.#next !== undefined && !this.#held.has(this.#next) && this.#held.size > 0) this.#next = Math.min(...this.#held.keys());
    this.#flush();
  }
}
