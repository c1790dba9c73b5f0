import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { recordingSince } from '../models/recording.ts';
import { setTileView, tileViews } from '../models/tileViews.ts';
import type { SignalingClient } from '../net/signaling.ts';
import { TileViewReporter } from './tileViewReporter.ts';

function fakeSignaling() {
  const sent: unknown[] = [];
  const signaling = { request: (_method: string, data: unknown) => (sent.push(data), Promise.resolve({})) } as unknown as SignalingClient;
  return { signaling, sent };
}

let reporter: TileViewReporter | undefined;

beforeEach(() => {
  vi.useFakeTimers();
  tileViews.value = new Map();
  recordingSince.value = null;
});

afterEach(() => {
  reporter?.close();
  vi.useRealTimers();
});

describe('TileViewReporter', () => {
  test('the layer follows the drawn width, once resizes settle, and only changes are sent', () => {
    const { signaling, sent } = fakeSignaling();
    reporter = new TileViewReporter(signaling, () => [{ consumerId: 'c1', tileKey: 'ann:cam' }]);
    setTileView('ann:cam', { drawnWidth: 1200, visible: true });
    setTileView('ann:cam', { drawnWidth: 300, visible: true });
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(400);
    expect(sent).toEqual([{ consumerId: 'c1', spatialLayer: 0, visible: true }]);
    setTileView('ann:cam', { drawnWidth: 310, visible: true }); // same layer: nothing to say
    vi.advanceTimersByTime(400);
    expect(sent).toHaveLength(1);
  });

  test('a tile scrolled off is paused after it settles; coming back is sent at once', () => {
    const { signaling, sent } = fakeSignaling();
    reporter = new TileViewReporter(signaling, () => [{ consumerId: 'c1', tileKey: 'ann:cam' }]);
    setTileView('ann:cam', { drawnWidth: 600, visible: true });
    vi.advanceTimersByTime(400);
    setTileView('ann:cam', { drawnWidth: 600, visible: false });
    vi.advanceTimersByTime(400);
    expect(sent.at(-1)).toEqual({ consumerId: 'c1', spatialLayer: 0, visible: false });
    setTileView('ann:cam', { drawnWidth: 600, visible: true });
    expect(sent.at(-1)).toEqual({ consumerId: 'c1', spatialLayer: 1, visible: true });
  });

  test('while recording, a tile out of view keeps receiving (the recorder draws it), at the smallest layer', () => {
    const { signaling, sent } = fakeSignaling();
    reporter = new TileViewReporter(signaling, () => [{ consumerId: 'c1', tileKey: 'ann:cam' }]);
    recordingSince.value = Date.now();
    setTileView('ann:cam', { drawnWidth: 1200, visible: false });
    vi.advanceTimersByTime(400);
    expect(sent).toEqual([{ consumerId: 'c1', spatialLayer: 0, visible: true }]);
  });
});
