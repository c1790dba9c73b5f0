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
 *
 * Where it starts: after the room's newest seq read once this server listens to the room (`startAfter`), so
 * everything stored from then on comes by; older messages reach people through `chatHistory`, as for any late
 * joiner. Without that reading (a history key that appears later: a room given a password), it starts at the
 * lowest message offered in its first GAP_WAIT_MS. Either way the first GAP_WAIT_MS only collects, so a number
 * another server announces a little late is not skipped (nobody is in a room that just opened here yet).
 */
export class FeedSequencer {
  #next: number | undefined;
  #feed: ChatFeed | undefined;
  readonly #held = new Map<number, ChatMessage>();
  readonly #deliver: (feed: ChatFeed, message: ChatMessage) => void;
  readonly #fetch: (afterSeq: number, limit: number) => Promise<ChatMessage[]>;
  #gapTimer: NodeJS.Timeout | undefined;
  #startTimer: NodeJS.Timeout | undefined;
  #awaitingBaseline = false;
  #closed = false;

  constructor(deliver: (feed: ChatFeed, message: ChatMessage) => void, fetch: (afterSeq: number, limit: number) => Promise<ChatMessage[]>) {
    this.#deliver = deliver;
    this.#fetch = fetch;
  }

  /** A stored message for this room (from this server or another); `feed` is the room's feed here now. */
  offer(feed: ChatFeed, message: ChatMessage): void {
    if (this.#closed) return;
    this.#feed = feed;
    if (this.#next === undefined) {
      this.#held.set(message.seq, message);
      if (!this.#awaitingBaseline) this.#startTimer ??= setTimeout(() => this.#begin(undefined), GAP_WAIT_MS);
      return;
    }
    if (message.seq < this.#next) return; // already on the feed
    this.#held.set(message.seq, message);
    this.#flush();
  }

  /** Holds what it is offered until `startAfter` tells it where the room's feed here begins. */
  awaitBaseline(): void {
    if (this.#next === undefined) this.#awaitingBaseline = true;
  }

  /**
   * Starts delivering after `baseline` (the room's newest seq once this server listens to it), or at the lowest
   * message held when it is unknown. It still holds what comes for GAP_WAIT_MS: a message stored just before the
   * baseline was read may be announced just after, and is then delivered too, in its place.
   */
  startAfter(baseline: number | undefined): void {
    if (this.#closed || this.#next !== undefined) return;
    this.#awaitingBaseline = false;
    clearTimeout(this.#startTimer);
    this.#startTimer = setTimeout(() => this.#begin(baseline), GAP_WAIT_MS);
  }

  #begin(baseline: number | undefined): void {
    this.#startTimer = undefined;
    if (this.#closed) return;
    const lowestHeld = this.#held.size > 0 ? Math.min(...this.#held.keys()) : undefined;
    if (baseline === undefined && lowestHeld === undefined) return; // nothing yet: the next offer starts it
    this.#next = Math.min(baseline === undefined ? Infinity : baseline + 1, lowestHeld ?? Infinity);
    this.#flush();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#gapTimer);
    clearTimeout(this.#startTimer);
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
