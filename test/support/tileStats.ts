import type { Page } from 'playwright-core';

/** What the receive side's getStats says about the stream one tile shows (needs recordPeerConnections). */
export type TileInbound = { frameWidth: number; bytesReceived: number; framesDecoded: number };

/** The inbound-rtp stats of the track in the tile labelled `label`, or undefined while it has none. */
export async function tileInbound(page: Page, label: string): Promise<TileInbound | undefined> {
  return page.locator(`[aria-label="${label}"] video`).evaluate(async (video: HTMLVideoElement) => {
    const track = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
    if (!track) return undefined;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState !== 'connected') continue;
      for (const s of (await pc.getStats()).values() as IterableIterator<Record<string, unknown>>) {
        if (s.type === 'inbound-rtp' && s.trackIdentifier === track.id) {
          return { frameWidth: Number(s.frameWidth ?? 0), bytesReceived: Number(s.bytesReceived ?? 0), framesDecoded: Number(s.framesDecoded ?? 0) };
        }
      }
    }
    return undefined;
  });
}

/** Resolves with the time (page clock, ms) the tile's video presents its next frame. */
export async function nextFrameAt(page: Page, label: string): Promise<void> {
  await page.locator(`[aria-label="${label}"] video`).evaluate(
    (video: HTMLVideoElement) => new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve())),
  );
}
