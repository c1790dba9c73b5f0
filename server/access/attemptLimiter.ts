/** How quickly failures cost waiting time: none for the first few typos, then doubling up to a cap. */
export type AttemptPolicy = {
  /** Failures that cost nothing (people mistype). */
  freeFailures: number;
  /** The wait after the first failure beyond the free ones; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key whose wait ended this long ago starts afresh. */
  forgetAfterMs: number;
};

type Failures = { failures: number; blockedUntil: number };

/** Above this many keys, forgotten ones are swept, so a flood of addresses cannot grow the map without bound. */
const SWEEP_ABOVE = 10_000;

/**
 * Failed attempts per key (a client address, a room): each failure beyond the free ones makes the key wait,
 * twice as long as the time before. Callers refuse attempts while `waitMs` is above zero, without doing the
 * expensive check at all.
 */
export class FailedAttemptLimiter {
  readonly #policy: AttemptPolicy;
  readonly #now: () => number;
  readonly #records = new Map<string, Failures>();

  constructor(policy: AttemptPolicy, now: () => number = Date.now) {
    this.#policy = policy;
    this.#now = now;
  }

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  waitMs(key: string): number {
    const record = this.#current(key);
    return record ? Math.max(0, record.blockedUntil - this.#now()) : 0;
  }

  /** Records a failure; returns the wait it caused (0 while failures are still free). */
  failed(key: string): number {
    if (this.#records.size > SWEEP_ABOVE) this.#sweep();
    const failures = (this.#current(key)?.failures ?? 0) + 1;
    const wait = this.delayAfter(failures);
    this.#records.set(key, { failures, blockedUntil: this.#now() + wait });
    return wait;
  }

  /** The wait after the `failures`-th failure in a row. */
  delayAfter(failures: number): number {
    const { freeFailures, baseDelayMs, maxDelayMs } = this.#policy;
    if (failures <= freeFailures) return 0;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(30, failures - freeFailures - 1));
  }

  #current(key: string): Failures | undefined {
    const record = this.#records.get(key);
    if (record && this.#now() > record.blockedUntil + this.#policy.forgetAfterMs) {
      this.#records.delete(key);
      return undefined;
    }
    return record;
  }

  #sweep(): void {
    for (const key of [...this.#records.keys()]) this.#current(key);
  }
}

/** "8 seconds", "1 minute", "15 minutes": rounded up, so trying again at that time always works. */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
