/*
 * Who is speaking, for the large picture when nobody shares a screen. Levels jump between syllables and a cough
 * should not cut the recording away, so another person takes over only after being clearly louder for a while.
 */

export type SpeakerOptions = {
  /** Below this (RMS of the signal, 0..1) nobody counts as speaking. */
  threshold: number;
  /** How long another person must be clearly louder before the picture switches to them. */
  holdMs: number;
  /** "Clearly louder": this many times the current speaker's level. */
  margin: number;
};

const DEFAULTS: SpeakerOptions = { threshold: 0.01, holdMs: 1200, margin: 1.5 };

/** Picks the active speaker from audio levels, with hysteresis. Feed it levels a few times a second. */
export class SpeakerTracker {
  readonly #options: SpeakerOptions;
  #current: string | null = null;
  #challenger: { id: string; since: number } | null = null;

  constructor(options: Partial<SpeakerOptions> = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  get current(): string | null {
    return this.#current;
  }

  /** Takes each person's level now and returns the active speaker (null until someone has spoken). */
  update(levels: ReadonlyMap<string, number>, now: number): string | null {
    const { threshold, holdMs, margin } = this.#options;
    if (this.#current !== null && !levels.has(this.#current)) this.#current = null; // they left
    let loudest: string | null = null;
    let loudestLevel = threshold;
    for (const [id, level] of levels) {
      if (level > loudestLevel) {
        loudest = id;
        loudestLevel = level;
      }
    }
    if (loudest === null || loudest === this.#current) {
      this.#challenger = null;
      return this.#current;
    }
    if (this.#current === null) {
      this.#current = loudest;
      this.#challenger = null;
      return loudest;
    }
    const currentLevel = levels.get(this.#current) ?? 0;
    if (loudestLevel < currentLevel * margin) {
      this.#challenger = null;
      return this.#current;
    }
    if (this.#challenger?.id !== loudest) this.#challenger = { id: loudest, since: now };
    else if (now - this.#challenger.since >= holdMs) {
      this.#current = loudest;
      this.#challenger = null;
    }
    return this.#current;
  }
}
