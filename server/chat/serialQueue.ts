/**
 * Runs tasks one at a time per key, in the order they were queued: a room's chat frames are numbered in the order
 * they arrived even when storing them is asynchronous (Redis). Different keys run independently.
 */
export class KeyedSerialQueue {
  readonly #tails = new Map<string, { tail: Promise<void>; size: number }>();

  /** Runs `task` after every task queued before under `key`; resolves or rejects with it. */
  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const entry = this.#tails.get(key) ?? { tail: Promise.resolve(), size: 0 };
    const result = entry.tail.then(task);
    entry.tail = result.then(
      () => this.#done(key, entry),
      () => this.#done(key, entry),
    );
    entry.size++;
    this.#tails.set(key, entry);
    return result;
  }

  /** Tasks queued under `key` and not finished. */
  size(key: string): number {
    return this.#tails.get(key)?.size ?? 0;
  }

  #done(key: string, entry: { size: number }): void {
    entry.size--;
    if (entry.size === 0 && this.#tails.get(key) === entry) this.#tails.delete(key);
  }
}
