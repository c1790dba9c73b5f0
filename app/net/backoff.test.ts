import { describe, expect, test } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  test('the ceiling doubles per attempt and stops at the cap', () => {
    const max = (attempt: number) => backoffDelay(attempt, 500, 10_000, () => 1);
    expect([0, 1, 2, 3, 4, 5, 10].map(max)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  test('jitter spreads retries over the whole window, never below 100 ms', () => {
    expect(backoffDelay(3, 500, 10_000, () => 0)).toBe(100);
    expect(backoffDelay(3, 500, 10_000, () => 0.5)).toBe(2000);
  });
});
