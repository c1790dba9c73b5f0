import type { StoredMessage } from '../storage/chatStore.ts';

/** What adding a message did: stored it, had it already, or found another message under its `seq`. */
export type AddResult = 'added' | 'duplicate' | 'conflict';

/**
 * A room's received messages by `seq`, and how far they run without a hole. Only the part without holes is shown,
 * so a message that arrives after a gap waits until the gap is fetched, and nothing on screen ever moves.
 */
export class RoomHistory {
  readonly #bySeq = new Map<number, StoredMessage>();
  readonly #seqOfId = new Map<string, number>();
  #settledSeq: number;
  #lastSeq = 0;
  #sortedCache: StoredMessage[] | undefined;

  constructor(messages: StoredMessage[] = [], settledSeq = 0) {
    this.#settledSeq = settledSeq;
    for (const message of messages) this.add(message);
  }

  /** Every seq up to this one is here or known not to exist: the end of what can be shown. */
  get settledSeq(): number {
    return this.#settledSeq;
  }

  /** The highest seq seen. Above `settledSeq`: there is a gap to fetch. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  get hasGap(): boolean {
    return this.#lastSeq > this.#settledSeq;
  }

  has(id: string): boolean {
    return this.#seqOfId.has(id);
  }

  /** The message is here and shown (no gap before it). */
  isSettled(id: string): boolean {
    const seq = this.#seqOfId.get(id);
    return seq !== undefined && seq <= this.#settledSeq;
  }

  add(message: StoredMessage): AddResult {
    const known = this.#bySeq.get(message.seq);
    if (known) return known.id === message.id ? 'duplicate' : 'conflict';
    // The server numbers each id once; the same id again (a resend) is the same message.
    if (this.#seqOfId.has(message.id)) return 'duplicate';
    this.#bySeq.set(message.seq, message);
    this.#seqOfId.set(message.id, message.seq);
    this.#sortedCache = undefined;
    this.#lastSeq = Math.max(this.#lastSeq, message.seq);
    this.#advance();
    return 'added';
  }

  /** A history fetch covered everything up to `seq`: whatever it did not return does not exist. */
  settleThrough(seq: number): void {
    this.#settledSeq = Math.max(this.#settledSeq, seq);
    this.#lastSeq = Math.max(this.#lastSeq, this.#settledSeq);
    this.#advance();
  }

  /** The messages that can be shown: those up to `settledSeq`, oldest first. */
  settled(): StoredMessage[] {
    return this.#sorted().filter((message) => message.seq <= this.#settledSeq);
  }

  /** Messages past a gap, oldest first (held back until the gap is filled). */
  beyondGap(): StoredMessage[] {
    return this.#sorted().filter((message) => message.seq > this.#settledSeq);
  }

  #sorted(): StoredMessage[] {
    this.#sortedCache ??= [...this.#bySeq.values()].sort((a, b) => a.seq - b.seq);
    return this.#sortedCache;
  }

  #advance(): void {
    while (this.#bySeq.has(this.#settledSeq + 1)) this.#settledSeq++;
  }
}
