import { describe, expect, test } from 'vitest';
import { formatClock, formatWhen } from './format.ts';

describe('recording times', () => {
  test('elapsed time reads as a clock, hours only when there are some', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(7_900)).toBe('0:07');
    expect(formatClock(750_000)).toBe('12:30');
    expect(formatClock(3_723_000)).toBe('1:02:03');
  });

  test('a start time says today or yesterday when it was', () => {
    const now = new Date(2026, 10, 26, 19, 40).getTime();
    expect(formatWhen(new Date(2026, 10, 26, 19, 30).getTime(), now, 'en-GB')).toBe('Today 19:30');
    expect(formatWhen(new Date(2026, 10, 25, 8, 5).getTime(), now, 'en-GB')).toBe('Yesterday 08:05');
    expect(formatWhen(new Date(2026, 10, 24, 14, 0).getTime(), now, 'en-GB')).toBe('24 Nov 14:00');
  });
});
