import * as v from 'valibot';
import {
  CHAT_TEXT_MAX_LENGTH,
  chatUpFrameSchema,
  type ChatDownFrame,
  type ChatMessage,
  type Notification,
} from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import { PerSenderRateLimiter } from '../signaling/rateLimit.ts';
import type { ChatHistoryStore } from './historyStore.ts';
import { KeyedSerialQueue } from './serialQueue.ts';

const log = createLogger('chat');

/**
 * The longest text is 2 000 UTF-16 code units: at most 3 UTF-8 bytes each, or 6 when the client's JSON escapes them
 * (\uXXXX); plus the frame around it. Anything bigger is dropped before it is parsed.
 */
export const MAX_CHAT_FRAME_BYTES = CHAT_TEXT_MAX_LENGTH * 6 + 512;

/**
 * Per peer: a burst as big as an outbox a reconnecting app flushes at once (1 000 queued messages), then a steady
 * rate no person types at. Frames over it are dropped unacknowledged: the app sends them again later.
 */
export const CHAT_BURST = 1000;
export const CHAT_RATE_PER_SECOND = 20;

/**
 * Frames of one room waiting for the store (Redis away or slow): beyond this, new frames are dropped as over the
 * rate, unacknowledged, and sent again by their senders later.
 */
export const MAX_QUEUED_PER_ROOM = 2 * CHAT_BURST;

export type RejectReason = 'binary' | 'oversize' | 'invalid' | 'rate_limited' | 'out_of_order';

/** Counted for /metrics: totals since the start. */
export class ChatStats {
  /** Messages stored (and fanned out). */
  stored = 0;
  /** Resends of messages already stored: acknowledged again, not stored or fanned out twice. */
  duplicates = 0;
  readonly rejected: Record<RejectReason, number> = { binary: 0, oversize: 0, invalid: 0, rate_limited: 0, out_of_order: 0 };
  /** Messages delivered on room feeds, once per receiving peer. */
  delivered = 0;
}

/** Who sent a frame: the peer as the room knows it. */
export type ChatSender = { readonly id: string; readonly name: string; notify(notification: Notification): void };

/**
 * A room as chat sees it: the key its history is kept under (its name, or its meeting: see `chatHistoryKey`), and
 * its chat feed, which sends a frame to everyone in it and says how many that reached.
 */
export type ChatFeed = { readonly historyKey: string; send(text: string): number };

/**
 * What becomes of a message once stored: on one server, onto the room's feed at once; in a service of several,
 * also to the other servers, and onto the feed in seq order with theirs (chat/clusterFeed.ts).
 */
export type ChatFanout = { stored(feed: ChatFeed, message: ChatMessage): void };

/**
 * The server's part in chat: checks every frame a peer sends, numbers and stores each new message, acknowledges it
 * to its sender and fans it out to the room. Frames are checked as they arrive and stored one at a time per room
 * (a serial queue: the store may be asynchronous), so each peer's order is kept.
 */
export class ChatService {
  readonly stats = new ChatStats();
  readonly #store: ChatHistoryStore;
  readonly #queue = new KeyedSerialQueue();
  #fanout: ChatFanout = { stored: (feed, message) => this.deliver(feed, message) };
  /** Counts frames as they arrive: a rate-limit drop only holds back frames that came after it. */
  #arrivals = 0;
  readonly #rates: PerSenderRateLimiter<ChatSender>;
  /** When each sender's last dropped frame was logged: a flood is logged about once a second, not per frame. */
  readonly #loggedAt = new WeakMap<ChatSender, number>();
  /**
   * The first message id a sender's rate limit dropped. Its later messages wait (dropped, unacknowledged) until that
   * one is sent again, so a message over the budget cannot be overtaken by the next one that fits: order is kept.
   */
  readonly #awaitingResend = new WeakMap<ChatSender, { id: string; since: number }>();
  readonly #now: () => number;

  constructor(store: ChatHistoryStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
    this.#rates = new PerSenderRateLimiter(CHAT_BURST, CHAT_RATE_PER_SECOND, now);
  }

  /** Replaces the fan-out (a service of several servers). */
  useFanout(fanout: ChatFanout): void {
    this.#fanout = fanout;
  }

  /**
   * One frame from `sender`'s chat channel (text when `isText`). Bad frames are dropped, logged and counted, and
   * never stored; a good one is stored (once, however often it is resent), acknowledged, and fanned out (once).
   * Resolves once it is handled; rejects when the store fails (the message is then not acknowledged, and its sender
   * sends it again).
   */
  receive(feed: ChatFeed, sender: ChatSender, payload: Buffer, isText: boolean): Promise<ChatMessage | undefined> {
    const arrival = ++this.#arrivals;
    if (!this.#rates.take(sender) || this.#queue.size(feed.historyKey) >= MAX_QUEUED_PER_ROOM) {
      if (!this.#awaitingResend.has(sender)) {
        const id = isText && payload.length <= MAX_CHAT_FRAME_BYTES ? idOf(payload) : undefined;
        if (id) this.#awaitingResend.set(sender, { id, since: arrival });
      }
      return Promise.resolve(this.#reject('rate_limited', feed, sender));
    }
    if (!isText) return Promise.resolve(this.#reject('binary', feed, sender));
    if (payload.length > MAX_CHAT_FRAME_BYTES) return Promise.resolve(this.#reject('oversize', feed, sender, { bytes: payload.length }));
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return Promise.resolve(this.#reject('invalid', feed, sender, { problem: 'not JSON' }));
    }
    const parsed = v.safeParse(chatUpFrameSchema, json);
    if (!parsed.success) {
      const tooLong = parsed.issues.some((issue) => issue.type === 'max_length');
      return Promise.resolve(this.#reject(tooLong ? 'oversize' : 'invalid', feed, sender, { problem: parsed.issues[0]?.message }));
    }
    const { id, text } = parsed.output;
    return this.#queue.run(feed.historyKey, () => this.#storeInTurn(feed, sender, { id, text }, arrival));
  }

  /** A valid frame, its turn in its room's queue: numbered, stored, acknowledged, fanned out. */
  async #storeInTurn(feed: ChatFeed, sender: ChatSender, { id, text }: { id: string; text: string }, arrival: number): Promise<ChatMessage | undefined> {
    const awaited = this.#awaitingResend.get(sender);
    if (awaited !== undefined && awaited.since < arrival) {
      if (id !== awaited.id && !(await this.#store.find(feed.historyKey, id))) {
        return this.#reject('out_of_order', feed, sender, { awaiting: awaited.id });
      }
      if (id === awaited.id) this.#awaitingResend.delete(sender);
    }
    const { message, duplicate } = await this.#store.append(feed.historyKey, { id, peerId: sender.id, name: sender.name, text });
    sender.notify({ method: 'chatAck', data: { id, seq: message.seq } });
    if (duplicate) {
      this.stats.duplicates++;
      return message;
    }
    this.stats.stored++;
    this.#fanout.stored(feed, message);
    return message;
  }

  /** Puts a stored message on a room's feed here, counting whom it reached. */
  deliver(feed: ChatFeed, message: ChatMessage): void {
    const frame: ChatDownFrame = { type: 'message', message };
    this.stats.delivered += feed.send(JSON.stringify(frame));
  }

  /**
   * Sends the room's newest message on its feed again. After the feed toward someone overflowed, this lets them see
   * the gap the dropped frames left even when nothing more is said; those who had it ignore it by its `seq`.
   */
  async resendNewest(feed: ChatFeed): Promise<void> {
    const lastSeq = await this.#store.lastSeq(feed.historyKey);
    const [newest] = await this.#store.history(feed.historyKey, lastSeq - 1, 1);
    if (newest) this.deliver(feed, newest);
  }

  /** The room's newest `seq` (0: none). */
  async lastSeq(historyKey: string): Promise<number> {
    return this.#store.lastSeq(historyKey);
  }

  /** Up to `limit` of the room's messages after `afterSeq`, oldest first, and its newest `seq`. */
  async history(historyKey: string, afterSeq: number, limit: number): Promise<{ messages: ChatMessage[]; lastSeq: number }> {
    // lastSeq first: a message stored in between is then in `messages` or after `lastSeq`, never lost between them.
    const lastSeq = await this.#store.lastSeq(historyKey);
    const messages = await this.#store.history(historyKey, afterSeq, limit);
    return { messages, lastSeq: Math.max(lastSeq, messages.at(-1)?.seq ?? 0) };
  }

  /**
   * Deletes the history of rooms empty for `retentionMs` now and every `everyMs` after; returns a stop function.
   */
  startRetention(retentionMs: number, everyMs = 10 * 60_000): () => void {
    const sweep = async () => {
      try {
        const deleted = await this.#store.sweep(retentionMs);
        if (deleted > 0) log.info('old chat history deleted', { messages: deleted });
      } catch (error) {
        log.error('chat history retention failed; trying again later', { error });
      }
    };
    void sweep();
    const timer = setInterval(() => void sweep(), everyMs).unref();
    return () => clearInterval(timer);
  }

  async roomOpened(historyKey: string): Promise<void> {
    await this.#store.roomOccupied(historyKey);
  }

  async roomClosed(historyKey: string): Promise<void> {
    await this.#store.roomEmptied(historyKey);
  }

  #reject(reason: RejectReason, feed: ChatFeed, sender: ChatSender, context: Record<string, unknown> = {}): undefined {
    this.stats.rejected[reason]++;
    const now = this.#now();
    if (now - (this.#loggedAt.get(sender) ?? -Infinity) >= 1000) {
      this.#loggedAt.set(sender, now);
      log.warn('chat frame dropped', { reason, room: feed.historyKey, peer: sender.id, ...context });
    }
    return undefined;
  }
}

/** The id of an up frame, if it has one worth waiting for (a dropped frame that is not a message needs no resend). */
function idOf(payload: Buffer): string | undefined {
  try {
    const parsed = v.safeParse(chatUpFrameSchema, JSON.parse(payload.toString('utf8')));
    return parsed.success ? parsed.output.id : undefined;
  } catch {
    return undefined;
  }
}
