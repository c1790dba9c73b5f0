import { describe, expect, test } from 'vitest';
import { KeyedRateLimiter, TokenBucket } from './rateLimit.ts';

describe('rate limits', () => {
  test('a bucket allows a burst, then refills at its rate', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 499;
    expect(bucket.take()).toBe(false);
    now += 1; // half a second at 2/s: one token
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  test('each key has its own budget', () => {
    const limiter = new KeyedRateLimiter(1, 0.1, () => 0);
    expect(limiter.take('10.0.0.1')).toBe(true);
    expect(limiter.take('10.0.0.1')).toBe(false);
    expect(limiter.take('10.0.0.2')).toBe(true);
  });
});
