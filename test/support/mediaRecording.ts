import type { Page } from 'playwright-core';
import { loadRecordingProbe, type ProbeWindow } from './recordingProbe/bundle.ts';

/** A real MediaRecorder recording's chunks, as MediaRecorder handed them over (see recordingProbe/page.ts). */
export type RecordedChunks = {
  mimeType: string;
  chunks: Buffer[];
  /** For each chunk, when MediaRecorder handed it over (ms after start): what a recorder stores as its duration. */
  endsAtMs: number[];
  durationMs: number;
};

/** Records a canvas and a tone for `ms` in `page` (any page: about:blank will do) and returns the chunks. */
export async function recordInPage(page: Page, ms: number, timesliceMs = 1000): Promise<RecordedChunks> {
  await loadRecordingProbe(page);
  const recorded = await page.evaluate(
    ([length, timeslice]) => (globalThis as unknown as ProbeWindow).recordingProbe.record(length, timeslice),
    [ms, timesliceMs] as const,
  );
  return { ...recorded, chunks: recorded.chunks.map((chunk) => Buffer.from(chunk, 'base64')) };
}
