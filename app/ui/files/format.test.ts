import { describe, expect, it } from 'vitest';
import { formatBytes, formatSpeed, formatTimeLeft } from './format.ts';

describe('transfer figures in words', () => {
  it('sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(812_345)).toBe('812 KB');
    expect(formatBytes(12_400_000)).toBe('12.4 MB');
    expect(formatBytes(268_435_456)).toBe('268 MB');
    expect(formatBytes(3_920_000_000)).toBe('3.92 GB');
  });

  it('speed', () => {
    expect(formatSpeed(20_971_520)).toBe('21.0 MB/s');
  });

  it('time left', () => {
    expect(formatTimeLeft(0.2)).toBe('1 s');
    expect(formatTimeLeft(42)).toBe('42 s');
    expect(formatTimeLeft(130)).toBe('2 min');
    expect(formatTimeLeft(3600 + 600)).toBe('1 h 10 min');
    expect(formatTimeLeft(7200)).toBe('2 h');
  });
});
