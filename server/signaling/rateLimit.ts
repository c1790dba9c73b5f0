/**
 * A token bucket: up to `capacity` at once, refilled at `perSecond`. Cheap enough to keep one per connection and
 * one per client address.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(capacity: number, perSecond: number, now: () => number = Date.now) {
    this.#capacity = capacity;
    this.#perSecond = perSecond;
    this.#now = now;
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#last) / 1000) * this.#perSecond);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** True when the bucket is full again, i.e. forgetting it changes nothing. */
  get idle(): boolean {
    return this.#tokens + ((this.#now() - this.#last) / 1000) * this.#perSecond >= this.#capacity;
  }
}

/** One bucket per key (a client address), forgetting idle ones so the map cannot grow without bound. */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #create: () => TokenBucket;

  constructor(capacity: number, perSecond: number, now: () => number = Date.now) {
    this.#create = () => new TokenBucket(capacity, perSecond, now);
  }

  take(key: string): boolean {
    if (this.#buckets.size > 10_000) for (const [k, bucket] of this.#buckets) if (bucket.idle) this.#buckets.delete(k);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = this.#create();
      this.#buckets.set(key, bucket);
    }
    return bucket.take();
  }
}

/** One bucket per sender object (a peer's data channel): forgotten with the sender, so nothing needs clearing. */
export class PerSenderRateLimiter<Sender extends object> {
  readonly #buckets = new WeakMap<Sender, TokenBucket>();
  readonly #create: () => TokenBucket;

  constructor(capacity: number, perSecond: number, now: () => number = Date.now) {
    this.#create = () => new TokenBucket(capacity, perSecond, now);
  }

  take(sender: Sender): boolean {
    let bucket = this.#buckets.get(sender);
    if (!bucket) {
      bucket = this.#create();
      this.#buckets.set(sender, bucket);
    }
    return bucket.take();
  }
}
