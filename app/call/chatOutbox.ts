import type { ChatUpFrame } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { ChatLink } from '../net/chatChannel.ts';
import type { OutboxEntry } from '../storage/chatStore.ts';

const log = createLogger('chat');

/** Above this many bytes waiting in the data channel, the flush waits for it to drain. */
const SEND_HIGH_WATER = 1_000_000;
/** Messages handed to the channel and unacknowledged this long, with no ack at all meanwhile, are sent again. */
const STALL_RESEND_MS = 5_000;
const STALL_CHECK_MS = 1_000;
/**
 * The server takes a burst of 1 000 frames from a peer, then 20 a second, and drops what is over unacknowledged
 * (docs/protocol.md). A dropped frame followed by one that got through would be stored out of order, so the flush
 * keeps a little under that budget (resends count too).
 */
const BUDGET_BURST = 950;
const BUDGET_PER_SECOND = 19;

/**
 * An outbox entry and where it stands: waiting for the channel, handed to it, or stored by the server but kept
 * here, in its place, until the history before it has arrived (so it never jumps ahead of messages it follows).
 */
export type Queued = OutboxEntry & { state: 'queued' | 'sent' | 'delivered'; sentAt: number };

/**
 * Messages written here and not yet acknowledged, in the order they were written, and their sending: in order,
 * whenever the chat channel is open, again after every reconnect (the server dedupes by id), and never more than
 * the channel's buffer can hold.
 */
export class ChatOutbox {
  readonly #changed: () => void;
  #entries: Queued[] = [];
  #link: ChatLink | undefined;
  #flushing = false;
  #flushAgain = false;
  #lastProgressAt = 0;
  #tokens = BUDGET_BURST;
  #tokensAt = Date.now();
  #stallTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(changed: () => void) {
    this.#changed = changed;
  }

  get entries(): readonly Queued[] {
    return this.#entries;
  }

  /** The stored outbox, after a reload: everything in it waits for a channel again. */
  load(entries: OutboxEntry[]): void {
    this.#entries = entries.map((entry) => ({ ...entry, state: 'queued', sentAt: 0 }));
  }

  add(entry: OutboxEntry): void {
    this.#entries.push({ ...entry, state: 'queued', sentAt: 0 });
    void this.#flush();
  }

  find(id: string): Queued | undefined {
    return this.#entries.find((entry) => entry.id === id);
  }

  /** The server stored it: never sent again; it stays in its place until `prune` finds it in the history. */
  delivered(id: string): void {
    const entry = this.find(id);
    if (entry) entry.state = 'delivered';
  }

  /** Takes out the delivered messages the history now shows. */
  prune(shownInHistory: (id: string) => boolean): void {
    this.#entries = this.#entries.filter((entry) => entry.state !== 'delivered' || !shownInHistory(entry.id));
  }

  /** The server acknowledged something: the channel is moving. */
  progressed(): void {
    this.#lastProgressAt = Date.now();
  }

  attach(link: ChatLink): void {
    this.#link = link;
    this.resendAll();
    clearInterval(this.#stallTimer);
    this.#stallTimer = setInterval(() => this.#resendIfStalled(), STALL_CHECK_MS);
  }

  /** The channel closed: nothing handed to it counts as sent any more. */
  detach(link: ChatLink): void {
    if (this.#link !== link) return;
    this.#link = undefined;
    clearInterval(this.#stallTimer);
    for (const entry of this.#entries) if (entry.state === 'sent') entry.state = 'queued';
    this.#changed();
  }

  /** Sends everything unacknowledged again, oldest first. */
  resendAll(): void {
    for (const entry of this.#entries) if (entry.state === 'sent') entry.state = 'queued';
    this.#lastProgressAt = Date.now();
    void this.#flush();
  }

  close(): void {
    this.#closed = true;
    this.#link = undefined;
    clearInterval(this.#stallTimer);
  }

  /** How long until the budget allows another frame (0: now). */
  #waitForBudget(): number {
    const now = Date.now();
    this.#tokens = Math.min(BUDGET_BURST, this.#tokens + ((now - this.#tokensAt) * BUDGET_PER_SECOND) / 1000);
    this.#tokensAt = now;
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1000) / BUDGET_PER_SECOND);
  }

  #resendIfStalled(): void {
    const oldest = this.#entries.find((entry) => entry.state === 'sent');
    const now = Date.now();
    if (oldest && now - oldest.sentAt > STALL_RESEND_MS && now - this.#lastProgressAt > STALL_RESEND_MS) {
      log.warn('chat messages unacknowledged for a while; sending them again', { count: this.#entries.length });
      this.resendAll();
    }
  }

  /** Hands queued messages to the channel in the order they were written. */
  async #flush(): Promise<void> {
    if (this.#flushing) {
      this.#flushAgain = true; // the running flush starts over from the oldest queued one
      return;
    }
    this.#flushing = true;
    try {
      do {
        this.#flushAgain = false;
        // A snapshot: entries delivered meanwhile are skipped on the next pass (after an await, which starts over).
        for (const entry of [...this.#entries]) {
          if (this.#flushAgain) break;
          const link = this.#link;
          if (this.#closed || !link?.isOpen) return;
          if (entry.state !== 'queued') continue;
          const wait = this.#waitForBudget();
          if (link.bufferedAmount > SEND_HIGH_WATER || wait > 0) {
            await (wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : link.drained());
            this.#flushAgain = true; // things may have changed while waiting: look again from the start
            break;
          }
          this.#tokens--;
          const frame: ChatUpFrame = { type: 'send', id: entry.id, text: entry.text };
          link.send(JSON.stringify(frame));
          entry.state = 'sent';
          entry.sentAt = Date.now();
          this.#changed();
        }
      } while (this.#flushAgain);
    } catch (error) {
      log.warn('could not send chat messages now; they stay queued', String(error));
    } finally {
      this.#flushing = false;
    }
  }
}
