import type { AckPacer } from './ackPacer.ts';
import { ResumeAsker } from './resumeAsker.ts';
import type { Tuning } from './tuning.ts';

/** What the watch needs around it. */
export type SenderWatchDeps = {
  /** Asks the sender to continue from `offset` (rejects when it is not here). */
  resume(offset: number): Promise<void>;
  /** Whether this side is receiving (accepted, not finished): only then is the sender asked or watched. */
  receiving(): boolean;
  /** Whether the transfer's secret is known (a request to resume carries it). */
  hasSecret(): boolean;
  /** Asking failed (the sender is away). */
  failed(): void;
  /** The next byte expected on the wire. */
  expected(): number;
  size: number;
  acks: Pick<AckPacer, 'holding' | 'repeatHeld'>;
  tuning: Tuning;
  now(): number;
};

/**
 * A receiver's care that its sender keeps sending: it is asked to continue from the next expected byte after a gap,
 * after a (re)join, and when it went silent (checked every `stallCheckMs`, resumeAsker.ts); while acknowledgements
 * are held back (ackPacer.ts) it is silent on purpose, and the last acknowledgement is repeated so it waits.
 */
export class SenderWatch {
  readonly #deps: SenderWatchDeps;
  readonly #resume: ResumeAsker;
  #lastHeardAt: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(deps: SenderWatchDeps) {
    this.#deps = deps;
    this.#lastHeardAt = deps.now();
    const wanted = () => deps.hasSecret() && deps.receiving();
    this.#resume = new ResumeAsker({ send: deps.resume, wanted, failed: deps.failed, tuning: deps.tuning, now: deps.now });
  }

  /** Periodic care from now on (once accepted, or taken up after a reload). */
  start(): void {
    this.#timer ??= setInterval(() => {
      if (!this.#deps.receiving()) return;
      if (this.#deps.acks.holding) return this.#deps.acks.repeatHeld();
      if (this.#deps.expected() < this.#deps.size) this.#resume.askIfIdle(this.#deps.expected(), this.#lastHeardAt);
    }, this.#deps.tuning.stallCheckMs);
  }

  /** The sender is sending: bytes arrived at the expected offset (or it was just told to start). */
  heard(): void {
    this.#resume.flowing();
    this.#lastHeardAt = this.#deps.now();
  }

  /** A chunk beyond the expected offset arrived: something was lost. */
  gap(): void {
    this.#resume.gap(this.#deps.expected());
  }

  /** After a (re)join: ask the sender to continue from the expected offset. */
  ask(): void {
    this.#resume.ask(this.#deps.expected());
  }

  stop(): void {
    this.#resume.stop();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
