import { describe, expect, test } from 'vitest';
import { spatialLayerForWidth as layerForTileWidth } from '../../shared/videoLayers.ts';
import { FAILED_RAISE_MS, LayerCaps, PRIORITY, priorityOf, RAISE_HOLD_MS, RAISE_STEADY_MS, type ConsumerDemand } from './layerPolicy.ts';

const camera = (id: string, wanted = 2, priority: number = PRIORITY.thumbnail): ConsumerDemand => ({
  id,
  wanted,
  priority,
  layerBitrates: [150_000, 500_000, 1_200_000],
});

describe('layer from tile size', () => {
  test('a thumbnail takes the 320 px layer, a half-screen tile the 640 px one, a large tile the top one', () => {
    expect(layerForTileWidth(180)).toBe(0);
    expect(layerForTileWidth(320)).toBe(0);
    expect(layerForTileWidth(321)).toBe(1);
    expect(layerForTileWidth(640)).toBe(1);
    expect(layerForTileWidth(1200)).toBe(2);
  });

  test('a shared screen ranks above the person speaking, who ranks above the other thumbnails', () => {
    expect(priorityOf('screen', false)).toBeGreaterThan(priorityOf('cam', true));
    expect(priorityOf('cam', true)).toBeGreaterThan(priorityOf('cam', false));
  });
});

describe('bandwidth cap', () => {
  test('without an estimate yet, every tile gets what its size asks for', () => {
    const caps = new LayerCaps();
    expect(caps.decide(undefined, [camera('a', 2), camera('b', 0)], 0)).toEqual(new Map([['a', 2], ['b', 0]]));
  });

  test('the first estimate after none is no lowering: the layer it allows is taken without waiting', () => {
    const caps = new LayerCaps();
    caps.decide(undefined, [camera('a')], 0);
    expect(caps.decide(1_000_000, [camera('a')], 1).get('a')).toBe(1);
    // Raising past it then needs a steady estimate like any other raise.
    expect(caps.decide(3_000_000, [camera('a')], 2).get('a')).toBe(1);
    expect(caps.decide(3_000_000, [camera('a')], 2 + RAISE_STEADY_MS).get('a')).toBe(2);
  });

  test('a 600 kbit/s link gets the 320 px layer (smooth) instead of the 640 px one (stalling)', () => {
    const caps = new LayerCaps();
    expect(caps.decide(550_000, [camera('a')], 0).get('a')).toBe(0);
  });

  test('a 1.2 Mbit/s link gets the 640 px layer; a fast one the top layer', () => {
    expect(new LayerCaps().decide(1_100_000, [camera('a')], 0).get('a')).toBe(1);
    expect(new LayerCaps().decide(3_000_000, [camera('a')], 0).get('a')).toBe(2);
  });

  test('never above what the tile asks for, however fast the link', () => {
    expect(new LayerCaps().decide(10_000_000, [camera('a', 1)], 0).get('a')).toBe(1);
  });

  test('everyone keeps at least the lowest layer; the higher priority is raised first', () => {
    const caps = new LayerCaps();
    const decided = caps.decide(1_400_000, [camera('thumb', 2), camera('screen', 2, PRIORITY.screen)], 0);
    expect(decided.get('screen')).toBe(1);
    expect(decided.get('thumb')).toBe(0);
  });

  test('audio already spoken for leaves less for video', () => {
    expect(new LayerCaps().decide(1_100_000, [camera('a')], 0, 0).get('a')).toBe(1);
    expect(new LayerCaps().decide(1_100_000, [camera('a')], 0, 300_000).get('a')).toBe(0);
  });

  test('hysteresis: a layer flowing is kept through a small dip that would not let it be taken', () => {
    const caps = new LayerCaps();
    expect(caps.decide(1_000_000, [camera('a')], 0).get('a')).toBe(1); // 0.7 × 1 000 k ≥ 500 k
    // 0.7 × 700 k = 490 k would not let layer 1 be taken, but 0.85 × 700 k = 595 k keeps it.
    expect(new LayerCaps().decide(700_000, [camera('a')], 0).get('a')).toBe(0);
    expect(caps.decide(700_000, [camera('a')], 1_000).get('a')).toBe(1);
    expect(caps.decide(550_000, [camera('a')], 2_000).get('a')).toBe(0);
  });

  test('after a drop, the layer comes back only once the hold is over and the estimate has room for a while', () => {
    const caps = new LayerCaps();
    caps.decide(1_000_000, [camera('a')], 0);
    expect(caps.decide(500_000, [camera('a')], FAILED_RAISE_MS).get('a')).toBe(0);
    const dropAt = FAILED_RAISE_MS;
    // Recovered, but within the hold: stays small.
    expect(caps.decide(1_000_000, [camera('a')], dropAt + RAISE_HOLD_MS - 1).get('a')).toBe(0);
    // Hold over, but only just enough to keep, not to raise: stays small.
    expect(caps.decide(650_000, [camera('a')], dropAt + RAISE_HOLD_MS).get('a')).toBe(0);
    // Room to raise, but a single estimate (a probe's overshoot) is not enough...
    expect(caps.decide(1_000_000, [camera('a')], dropAt + RAISE_HOLD_MS + 1).get('a')).toBe(0);
    expect(caps.decide(400_000, [camera('a')], dropAt + RAISE_HOLD_MS + 1_000).get('a')).toBe(0);
    // ...room that lasts is.
    const from = dropAt + RAISE_HOLD_MS + 2_000;
    expect(caps.decide(1_000_000, [camera('a')], from).get('a')).toBe(0);
    expect(caps.decide(1_000_000, [camera('a')], from + RAISE_STEADY_MS).get('a')).toBe(1);
  });

  test('a raise the link cannot hold makes the next wait twice as long', () => {
    const caps = new LayerCaps();
    caps.decide(1_000_000, [camera('a')], 0);
    caps.decide(500_000, [camera('a')], FAILED_RAISE_MS); // lowered long after the raise: the base hold
    let now = FAILED_RAISE_MS + RAISE_HOLD_MS;
    caps.decide(1_000_000, [camera('a')], now);
    expect(caps.decide(1_000_000, [camera('a')], (now += RAISE_STEADY_MS)).get('a')).toBe(1);
    expect(caps.decide(500_000, [camera('a')], (now += 1_000)).get('a')).toBe(0); // undone at once
    const lowered = now;
    caps.decide(1_000_000, [camera('a')], lowered + RAISE_HOLD_MS);
    expect(caps.decide(1_000_000, [camera('a')], lowered + RAISE_HOLD_MS + RAISE_STEADY_MS).get('a')).toBe(0);
    caps.decide(1_000_000, [camera('a')], lowered + 2 * RAISE_HOLD_MS);
    expect(caps.decide(1_000_000, [camera('a')], lowered + 2 * RAISE_HOLD_MS + RAISE_STEADY_MS).get('a')).toBe(1);
  });

  test('a consumer that closed is forgotten: its return is decided afresh', () => {
    const caps = new LayerCaps();
    caps.decide(3_000_000, [camera('a')], 0);
    caps.drop('a');
    expect(caps.decide(3_000_000, [camera('a')], 1).get('a')).toBe(2);
  });
});
