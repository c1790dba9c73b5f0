import { describe, expect, test } from 'vitest';
import { describeWait, FailedAttemptLimiter } from './attemptLimiter.ts';

function limiterWithClock() {
  const clock = { now: 1_000_000 };
  const limiter = new FailedAttemptLimiter(
    { freeFailures: 3, baseDelayMs: 2_000, maxDelayMs: 60_000, forgetAfterMs: 600_000 },
    () => clock.now,
  );
  return { clock, limiter };
}

describe('FailedAttemptLimiter', () => {
  test('a few typos cost nothing; then each failure doubles the wait, up to a cap', () => {
    const { limiter } = limiterWithClock();
    const waits = Array.from({ length: 10 }, () => limiter.failed('203.0.113.7'));
    expect(waits).toEqual([0, 0, 0, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  test('a key must wait before trying again; other keys are not affected', () => {
    const { clock, limiter } = limiterWithClock();
    for (let i = 0; i < 4; i++) limiter.failed('guesser');
    expect(limiter.waitMs('guesser')).toBe(2_000);
    expect(limiter.waitMs('someone else')).toBe(0);
    clock.now += 1_500;
    expect(limiter.waitMs('guesser')).toBe(500);
    clock.now += 500;
    expect(limiter.waitMs('guesser')).toBe(0);
    // The count survived the wait: the next failure waits longer.
    expect(limiter.failed('guesser')).toBe(4_000);
  });

  test('a key that stays quiet long enough starts afresh', () => {
    const { clock, limiter } = limiterWithClock();
    for (let i = 0; i < 5; i++) limiter.failed('guesser');
    clock.now += 4_000 + 600_001;
    expect(limiter.failed('guesser')).toBe(0);
  });

  test('waits are told in words, rounded up', () => {
    expect(describeWait(1)).toBe('1 second');
    expect(describeWait(7_200)).toBe('8 seconds');
    expect(describeWait(60_000)).toBe('1 minute');
    expect(describeWait(61_000)).toBe('2 minutes');
  });
});
