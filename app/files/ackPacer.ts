import type { Tuning } from './tuning.ts';

/** What the pacer needs around it. */
export type AckPacerDeps = {
  persisted(): number;
  /** Bytes the download took. */
  written(): number;
  ended(): boolean;
  send(offset: number): void;
  tuning: Tuning;
  now(): number;
};

/**
 * A receiver's acknowledgements of the bytes it persisted (each lets the sender's window move on). Acks share the
 * connection's signaling budget (50 messages a second by default): on a fast link they are coalesced to one per
 * `minAckIntervalMs`, each for everything persisted by then. While more than `maxPendingDownload` persisted bytes
 * wait for the download, none are sent (the sender's window stalls) and the last one is repeated so the sender waits.
 */
export class AckPacer {
  readonly #deps: AckPacerDeps;
  #acked: number;
  #lastAckAt = 0;
  #cooldown: ReturnType<typeof setTimeout> | undefined;

  /** `acked`: what the sender was told before (bytes kept from before a reload). */
  constructor(acked: number, deps: AckPacerDeps) {
    this.#acked = acked;
    this.#deps = deps;
  }

  /** Acknowledges the persisted offset, unless too much waits for the download (then the sender's window stalls). */
  maybeAck(): void {
    if (this.#deps.persisted() <= this.#acked || this.holding || this.#cooldown) return;
    this.#send(this.#deps.persisted());
    this.#cooldown = setTimeout(() => {
      this.#cooldown = undefined;
      if (!this.#deps.ended()) this.maybeAck();
    }, this.#deps.tuning.minAckIntervalMs);
  }

  get holding(): boolean {
    return this.#deps.persisted() - this.#deps.written() > this.#deps.tuning.maxPendingDownload;
  }

  /** While holding: the last acknowledgement again, every `holdAckRepeatMs`, so the sender waits. */
  repeatHeld(): void {
    if (this.#deps.now() - this.#lastAckAt >= this.#deps.tuning.holdAckRepeatMs) this.#send(this.#acked);
  }

  stop(): void {
    clearTimeout(this.#cooldown);
    this.#cooldown = undefined;
  }

  #send(offset: number): void {
    this.#acked = offset;
    this.#lastAckAt = this.#deps.now();
    this.#deps.send(offset);
  }
}
