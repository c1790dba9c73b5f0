/** Thrown when a semaphore's waiting line is full: the caller should refuse rather than queue without bound. */
export class SemaphoreFullError extends Error {
  constructor() {
    super('Too many tasks waiting');
    this.name = 'SemaphoreFullError';
  }
}

/**
 * Runs at most `limit` tasks at once, the rest in arrival order; refuses beyond `maxWaiting` queued tasks.
 * Used to keep scrypt from taking every thread of the pool that file I/O and other crypto share.
 */
export class Semaphore {
  readonly #limit: number;
  readonly #maxWaiting: number;
  readonly #waiting: (() => void)[] = [];
  #active = 0;

  constructor(limit: number, maxWaiting = Number.POSITIVE_INFINITY) {
    this.#limit = limit;
    this.#maxWaiting = maxWaiting;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` once a slot is free; the slot is released however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit) {
      if (this.#waiting.length >= this.#maxWaiting) throw new SemaphoreFullError();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next in line, so a newcomer cannot overtake the queue.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
