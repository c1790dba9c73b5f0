import * as v from 'valibot';
import { chatDownFrameSchema, chatTextSchema, type ChatMessage, type ResponseData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { ChatItem } from '../models/chat.ts';
import type { ChatLink } from '../net/chatChannel.ts';
import { memoryChatStore, type ChatStore, type OutboxEntry, type StoredMessage } from '../storage/chatStore.ts';
import { RoomHistory } from './chatHistory.ts';
import { ChatOutbox } from './chatOutbox.ts';
import { ChatWrites } from './chatWrites.ts';

const log = createLogger('chat');

/** The most `chatHistory` gives per request. */
export const HISTORY_PAGE = 500;

export type ChatDeps = {
  room: string;
  name: string;
  /** The device's store; undefined (no IndexedDB) keeps the chat in memory. */
  store: Promise<ChatStore | undefined>;
  /** `chatHistory` over signaling; rejects while disconnected. */
  fetchHistory(afterSeq: number, limit: number): Promise<ResponseData<'chatHistory'>>;
  /** Receives what to show, coalesced. */
  show(items: ChatItem[]): void;
  /** A message from someone else arrived (for the unread count). */
  received(count: number): void;
  /** How long to coalesce changes before showing them (ms). */
  showDelayMs?: number;
};

/**
 * The chat of one call: an outbox written first to the device's store, flushed in order whenever the chat channel
 * is open and after every reconnect (a message stays until the server acknowledges it), and the history by `seq`,
 * with gaps fetched. Every message is shown once, in order: history (what the server numbered) then the outbox.
 */
export class ChatController {
  readonly #deps: ChatDeps;
  readonly #ready: Promise<void>;
  #store: ChatStore = memoryChatStore();
  #history = new RoomHistory();
  readonly #outbox = new ChatOutbox(() => this.#show());
  #peerId = '';
  #repairing = false;
  /** Ask the server for newer messages even without a known gap (the feed just opened). */
  #askAgain = false;
  #showTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the chat was last shown (ms), for coalescing bursts. */
  #shownAt = 0;
  #itemCache = new Map<string, ChatItem>();
  readonly #writes: ChatWrites;
  #closed = false;

  constructor(deps: ChatDeps) {
    this.#deps = deps;
    this.#writes = new ChatWrites(deps.room, () => this.#store);
    this.#ready = this.#load();
  }

  /** Resolves once the stored chat is loaded and shown. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * Writes a message: it gets its id now, goes into the outbox and shows at once as queued, and is sent when the
   * channel is open. Returns why not (empty, too long) instead.
   */
  write(text: string): string | undefined {
    const checked = v.safeParse(chatTextSchema, text);
    if (!checked.success) return checked.issues[0].message;
    const { room, name } = this.#deps;
    const entry: OutboxEntry = { id: crypto.randomUUID(), room, name, text: checked.output, writtenAt: Date.now() };
    void this.#ready
      .then(() => {
        if (this.#closed) return;
        // Stored before it is shown or sent (a few ms; writes in a burst share one transaction): what shows as
        // queued survives a reload at once, and the delivery's delete always comes after this add.
        return this.#writes.later((pending) => pending.adds.push(entry));
      })
      .then(() => {
        if (this.#closed) return;
        this.#outbox.add(entry);
        this.#show();
      });
    return undefined;
  }

  /** Joined (or resumed): who we are now, how far the room's chat runs; fetch what we miss, resend what is unacked. */
  joined(peerId: string, chat: ResponseData<'join'>['chat']): void {
    void this.#ready.then(() => {
      this.#peerId = peerId;
      void this.#repair(chat.lastSeq);
      // Acks sent while the socket was down are lost: whatever is unacknowledged goes again (the server dedupes).
      this.#outbox.resendAll();
    });
  }

  /** The chat channel of a new media session is open. */
  linkOpened(link: ChatLink): void {
    void this.#ready.then(() => this.#outbox.attach(link));
  }

  /**
   * The room's feed is open. What the server sent on it before (while the channel was being set up) is lost, and
   * with nothing after it no gap would show: ask for anything newer than what we have.
   */
  feedOpened(): void {
    void this.#ready.then(() => this.#repair(0, true));
  }

  /** The channel closed (its transport died or was replaced): nothing in it counts as sent any more. */
  linkClosed(link: ChatLink): void {
    void this.#ready.then(() => this.#outbox.detach(link));
  }

  /** A frame from the room's chat feed. */
  receive(raw: unknown): void {
    void this.#ready.then(() => {
      let frame: unknown;
      try {
        frame = typeof raw === 'string' ? JSON.parse(raw) : undefined;
      } catch {
        frame = undefined;
      }
      const parsed = v.safeParse(chatDownFrameSchema, frame);
      if (!parsed.success) return log.warn('ignored an invalid chat frame', parsed.issues[0].message);
      this.#accept([parsed.output.message]);
    });
  }

  /** The server stored our message `id` as `seq`. */
  acknowledged(id: string, seq: number): void {
    void this.#ready.then(() => {
      this.#outbox.progressed();
      const entry = this.#outbox.find(id);
      // Delivered already: its copy on the room feed came first.
      if (!entry || entry.state === 'delivered') return;
      this.#accept([{ seq, id, peerId: this.#peerId || 'me', name: entry.name, text: entry.text, at: Date.now() }]);
    });
  }

  close(): void {
    this.#closed = true;
    this.#outbox.close();
    clearTimeout(this.#showTimer);
  }

  async #load(): Promise<void> {
    try {
      this.#store = (await this.#deps.store) ?? this.#store;
    } catch (error) {
      log.warn('no chat storage on this device; keeping the chat in memory', String(error));
    }
    try {
      const stored = await this.#store.load(this.#deps.room);
      this.#history = new RoomHistory(stored.history, stored.settledSeq);
      // An entry whose delivery was stored but whose removal was not (a crash in between) is history already.
      this.#outbox.load(stored.outbox.filter((entry) => !this.#history.has(entry.id)));
    } catch (error) {
      log.warn('could not read the stored chat', String(error));
    }
    this.#show(true);
  }

  /** Takes numbered messages into the history (dedupes by seq and id); a message of ours is delivered. */
  #accept(messages: ChatMessage[]): void {
    const added: StoredMessage[] = [];
    let fromOthers = 0;
    const settledBefore = this.#history.settledSeq;
    for (const message of messages) {
      const queued = this.#outbox.find(message.id) !== undefined;
      const stored: StoredMessage = { ...message, room: this.#deps.room, mine: queued || message.peerId === this.#peerId };
      const result = this.#history.add(stored);
      if (result === 'conflict') return this.#restartHistory();
      if (queued) this.#outbox.delivered(message.id);
      if (result !== 'added') continue;
      added.push(stored);
      if (!stored.mine) fromOthers++;
    }
    const settled = this.#history.settledSeq;
    if (added.length || settled !== settledBefore) {
      this.#writes.later((pending) => {
        pending.puts.push(...added);
        pending.settled = settled;
      });
    }
    if (fromOthers) this.#deps.received(fromOthers);
    this.#outbox.prune((id) => this.#history.isSettled(id));
    this.#show();
    if (this.#history.hasGap) void this.#repair(this.#history.lastSeq);
  }

  /**
   * Fetches the messages between what we have without a hole and `untilSeq` (a gap, or history a late joiner
   * missed), 500 at a time. One repair at a time; it stops when signaling is down and runs again on the next join.
   */
  async #repair(untilSeq: number, askAnyway = false): Promise<void> {
    if (askAnyway) this.#askAgain = true;
    if (this.#repairing) return;
    this.#repairing = true;
    try {
      let target = untilSeq;
      while (!this.#closed && (this.#askAgain || this.#history.settledSeq < Math.max(target, this.#history.lastSeq))) {
        this.#askAgain = false;
        const afterSeq = this.#history.settledSeq;
        const reply = await this.#deps.fetchHistory(afterSeq, HISTORY_PAGE);
        this.#accept(reply.messages);
        // A full page ends at its last message; a short one covers everything the server has.
        const last = reply.messages.at(-1)?.seq ?? afterSeq;
        const covered = reply.messages.length === HISTORY_PAGE ? last : Math.max(last, reply.lastSeq);
        this.#history.settleThrough(covered);
        this.#outbox.prune((id) => this.#history.isSettled(id));
        const settled = this.#history.settledSeq;
        this.#writes.later((pending) => void (pending.settled = settled));
        this.#show();
        target = Math.max(target, reply.lastSeq);
        if (this.#history.settledSeq <= afterSeq) break; // no progress: leave it to the next join
      }
    } catch (error) {
      log.warn('could not fetch chat history now; will retry after reconnecting', String(error));
    } finally {
      this.#repairing = false;
    }
  }

  /** The server's history is not the one we kept (it started afresh): forget ours and fetch its. */
  #restartHistory(): void {
    log.warn('the room’s chat history changed on the server; fetching it again');
    this.#history = new RoomHistory();
    this.#writes.later((pending) => {
      pending.clear = true;
      pending.puts = []; // they belong to the history that is gone
      pending.settled = 0;
    });
    this.#show();
    void this.#repair(1);
  }

  /**
   * Shows the current chat: at once when nothing was shown within the last `showDelayMs` (a single message appears
   * without delay), else coalescing the burst into one update at the end of that interval.
   */
  #show(now = false): void {
    if (this.#closed) return;
    const delay = this.#deps.showDelayMs ?? 30;
    const wait = this.#shownAt + delay - Date.now();
    if (now || (wait <= 0 && this.#showTimer === undefined)) {
      clearTimeout(this.#showTimer);
      this.#showTimer = undefined;
      this.#shownAt = Date.now();
      this.#deps.show(this.#items());
      return;
    }
    this.#showTimer ??= setTimeout(() => {
      this.#showTimer = undefined;
      this.#shownAt = Date.now();
      if (!this.#closed) this.#deps.show(this.#items());
    }, Math.max(wait, 0));
  }

  #items(): ChatItem[] {
    // Others' messages past a gap wait for it to be filled; ours stay where they were written (delivered ones
    // past a gap still sit in the outbox, in order; after a reload they come straight after the history).
    const settled = this.#history.settled();
    const shown = new Set(settled.map((message) => message.id));
    const items: ChatItem[] = [];
    for (const message of settled) items.push(this.#item(message, message.mine ? 'delivered' : 'received'));
    for (const message of this.#history.beyondGap()) {
      if (!message.mine || this.#outbox.find(message.id)) continue;
      shown.add(message.id);
      items.push(this.#item(message, 'delivered'));
    }
    for (const entry of this.#outbox.entries) if (!shown.has(entry.id)) items.push(this.#item({ ...entry, mine: true }, entry.state));
    this.#itemCache = new Map(items.map((item) => [item.id, item]));
    return items;
  }

  /** The same object for a message that has not changed, so the list re-renders only what did. */
  #item(message: { id: string; name: string; text: string; mine: boolean }, state: ChatItem['state']): ChatItem {
    const known = this.#itemCache.get(message.id);
    if (known?.state === state && known.text === message.text && known.name === message.name) return known;
    return { id: message.id, name: message.name, text: message.text, mine: message.mine, state };
  }
}
