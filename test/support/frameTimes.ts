import type { Page } from 'playwright-core';

/** How smoothly a tile's video played over a window: frames shown per second and the longest wait between two. */
export type Smoothness = { fps: number; longestGapMs: number; stalls: number; frames: number; width: number; seconds: number };

/** A wait between two frames at least this long is a stall a person notices. */
export const STALL_MS = 500;

/**
 * Watches the tile's <video> for `ms` with requestVideoFrameCallback (every frame the page presents, with its
 * time) and reports its frame rate and the longest gap between frames, including the wait for the first frame and
 * after the last: a tile frozen at the end counts as a stall.
 */
export async function measureSmoothness(page: Page, label: string, ms: number): Promise<Smoothness> {
  return page.locator(`[aria-label="${label}"] video`).evaluate(
    (video: HTMLVideoElement, { ms, stallMs }: { ms: number; stallMs: number }) =>
      new Promise<Smoothness>((resolve) => {
        const times: number[] = [];
        const start = performance.now();
        let width = 0;
        const onFrame = (now: number, metadata: VideoFrameCallbackMetadata) => {
          times.push(metadata.presentationTime ?? now);
          width = metadata.width;
          if (performance.now() - start < ms) video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
        setTimeout(() => {
          const end = start + ms;
          const inWindow = times.filter((t) => t >= start && t <= end);
          let longest = 0;
          let stalls = 0;
          let previous = start;
          for (const t of [...inWindow, end]) {
            longest = Math.max(longest, t - previous);
            if (t - previous >= stallMs) stalls++;
            previous = t;
          }
          resolve({ fps: inWindow.length / (ms / 1000), longestGapMs: Math.round(longest), stalls, frames: inWindow.length, width, seconds: ms / 1000 });
        }, ms + 50);
      }),
    { ms, stallMs: STALL_MS },
  );
}
