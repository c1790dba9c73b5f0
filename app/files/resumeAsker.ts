import { createLogger } from '../log.ts';
import type { Tuning } from './tuning.ts';

const log = createLogger('files');

/**
 * A receiver's requests to continue from its next expected byte: after a gap (once per offset and interval, as every
 * chunk in flight behind a loss shows the same gap), after a (re)join, when the sender went silent; tried again
 * every few seconds while they fail (the sender is not here: `not_found`).
 */
export class ResumeAsker {
  readonly #send: (offset: number) => Promise<void>;
  readonly #wanted: () => boolean;
  readonly #failed: () => void;
  readonly #tuning: Tuning;
  readonly #now: () => number;
  #last = { offset: -1, at: -Infinity };
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** Idle asks in a row at the same offset with nothing arrived in between. */
  #idleRepeats = 0;

  /** `wanted`: whether asking still makes sense; `failed`: a request failed (the sender is away). */
  constructor(options: { send(offset: number): Promise<void>; wanted(): boolean; failed(): void; tuning: Tuning; now(): number }) {
    this.#send = options.send;
    this.#wanted = options.wanted;
    this.#failed = options.failed;
    this.#tuning = options.tuning;
    this.#now = options.now;
  }

  /** When it last asked (to tell a silent sender from one just asked). */
  get lastAskedAt(): number {
    return this.#last.at;
  }

  /** Whether a retry is pending (then nothing more needs asking). */
  get retrying(): boolean {
    return this.#retry !== undefined;
  }

  /** A chunk beyond `expected` arrived. */
  gap(expected: number): void {
    if (this.#last.offset === expected && this.#now() - this.#last.at < this.#tuning.gapResumeIntervalMs) return;
    this.ask(expected);
  }

  /**
   * The sender has been silent since `lastArrivalAt`: ask again. An ask at the same offset that nothing has answered
   * yet waits twice as long each time (up to 8×): the request got through (it did not fail), so the bytes are on
   * their way to a page that may just be slow (after a reload, under load), and asking again would make the sender
   * send the same window twice. A lost tail is the sender's to repair (its go-back on a stall).
   */
  askIfIdle(expected: number, lastArrivalAt: number): void {
    if (this.#retry !== undefined) return;
    const unanswered = this.#last.offset === expected && this.#last.at >= lastArrivalAt;
    const repeats = unanswered ? this.#idleRepeats + 1 : 0;
    const patience = this.#tuning.idleResumeMs * 2 ** Math.min(repeats, 3);
    if (this.#now() - Math.max(lastArrivalAt, this.#last.at) < patience) return;
    this.#idleRepeats = repeats;
    this.ask(expected);
  }

  ask(offset: number): void {
    if (!this.#wanted()) return;
    this.#last = { offset, at: this.#now() };
    this.stop();
    this.#send(offset).catch((error: unknown) => {
      if (!this.#wanted()) return;
      this.#failed();
      log.warn('fileResume failed; trying again', error);
      this.#retry ??= setTimeout(() => {
        this.#retry = undefined;
        this.ask(offset);
      }, this.#tuning.resumeRetryMs);
    });
  }

  /**
   * Bytes arrive at the expected offset: the sender is sending again (it heard another ask, e.g. one the server kept
   * for it after a restart), so a retry still pending would only send it back to an offset already passed.
   */
  flowing(): void {
    if (this.#retry !== undefined) this.stop();
  }

  stop(): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
  }
}
