/** Bytes per second over the last few seconds, from samples of a growing byte count. */
export class RateMeter {
  readonly #spanMs: number;
  #samples: { at: number; bytes: number }[] = [];

  constructor(spanMs = 5_000) {
    this.#spanMs = spanMs;
  }

  add(at: number, bytes: number): void {
    const last = this.#samples.at(-1);
    if (last && bytes < last.bytes) this.#samples = []; // went back (a resume below): start over
    this.#samples.push({ at, bytes });
    // Keep one sample older than the span, so the rate covers the whole span.
    while (this.#samples.length > 2 && this.#samples[1]!.at <= at - this.#spanMs) this.#samples.shift();
  }

  /** Bytes per second since the oldest kept sample (so it falls while nothing moves); 0 before half a second of samples. */
  perSecond(now: number): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || now - first.at < 500) return 0;
    return ((last.bytes - first.bytes) * 1000) / (now - first.at);
  }
}
