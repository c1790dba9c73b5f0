import { describe, expect, test } from 'vitest';
import { rateConnection, SteadyRating } from './connectionRating.ts';

describe('connection rating', () => {
  test('a link that carries a large tile with room is good; 600 kbit/s is fair; 250 kbit/s is poor', () => {
    expect(rateConnection({ estimate: 2_500_000, desired: 1_800_000, scores: [10, 10] })).toBe('good');
    expect(rateConnection({ estimate: 550_000, desired: 1_800_000, scores: [10] })).toBe('fair');
    expect(rateConnection({ estimate: 230_000, desired: 1_800_000, scores: [10] })).toBe('poor');
  });

  test('someone receiving little is not judged by an estimate that was never probed', () => {
    expect(rateConnection({ estimate: 120_000, desired: 50_000, scores: [] })).toBe('good');
    // ...but a link that carries all it is asked for is good however little.
    expect(rateConnection({ estimate: 300_000, desired: 250_000, scores: [] })).toBe('good');
  });

  test('losing packets makes it worse whatever the estimate', () => {
    expect(rateConnection({ estimate: 5_000_000, desired: 1_800_000, scores: [10, 5] })).toBe('fair');
    expect(rateConnection({ scores: [2] })).toBe('poor');
  });

  test('a change is shown only once two evaluations agree; the first one at once', () => {
    const steady = new SteadyRating();
    expect(steady.next('good')).toBe('good');
    expect(steady.next('poor')).toBeUndefined();
    expect(steady.next('good')).toBeUndefined();
    expect(steady.next('poor')).toBeUndefined();
    expect(steady.next('poor')).toBe('poor');
    expect(steady.shown).toBe('poor');
  });
});
