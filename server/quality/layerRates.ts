import type { types } from 'mediasoup';

/*
 * What each simulcast layer of a producer really carries, measured by mediasoup (its receive stats per stream).
 * The encodings' maxBitrate is a ceiling a camera seldom reaches (Chromium's 1 280 px layer: ~0.7 of 1.2 Mbit/s),
 * and a cap planned on ceilings would keep a good link below the top layer.
 */

const measured = new WeakMap<types.Producer, number[]>();

/** Measures the producer's streams again (called every few seconds); a stream not flowing measures 0. */
export async function measureLayers(producer: types.Producer): Promise<void> {
  const encodings = producer.rtpParameters.encodings ?? [];
  if (encodings.length === 0 || producer.closed) return;
  const stats = await producer.getStats().catch(() => []);
  const rates = encodings.map((encoding) => {
    const stream = stats.find((s) => (encoding.rid !== undefined ? s.rid === encoding.rid : s.ssrc === encoding.ssrc));
    return stream?.bitrate ?? 0;
  });
  measured.set(producer, rates);
}

/**
 * Each layer's bit rate, lowest first: as measured when it flows, else as declared (maxBitrate), else `fallback`.
 */
export function layerRates(producer: types.Producer | undefined, fallback: readonly number[]): number[] {
  const encodings = producer?.rtpParameters.encodings ?? [];
  if (encodings.length === 0) return [fallback[0] ?? 0];
  const rates = producer ? measured.get(producer) : undefined;
  return encodings.map((encoding, index) => {
    const rate = rates?.[index] ?? 0;
    return rate > 0 ? rate : (encoding.maxBitrate ?? fallback[index] ?? fallback.at(-1) ?? 0);
  });
}
