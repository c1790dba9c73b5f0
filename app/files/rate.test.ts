import { describe, expect, test } from 'vitest';
import { RateMeter } from './rate.ts';

describe('rate meter', () => {
  test('bytes per second over the last few seconds, falling to 0 when nothing moves', () => {
    const meter = new RateMeter(5_000);
    expect(meter.perSecond(0)).toBe(0);
    for (let second = 0; second <= 10; second++) meter.add(second * 1_000, second * 2_000_000);
    expect(meter.perSecond(10_000)).toBe(2_000_000);
    for (let second = 11; second <= 16; second++) meter.add(second * 1_000, 20_000_000); // stopped
    expect(meter.perSecond(16_000)).toBe(0);
  });

  test('a go-back (fewer bytes than before) starts it over instead of a negative speed', () => {
    const meter = new RateMeter();
    meter.add(0, 0);
    meter.add(1_000, 5_000_000);
    meter.add(1_500, 4_000_000);
    expect(meter.perSecond(1_600)).toBe(0);
    meter.add(2_500, 5_000_000);
    expect(meter.perSecond(2_500)).toBe(1_000_000);
  });
});
