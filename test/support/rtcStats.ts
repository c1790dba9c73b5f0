import type { Page } from 'playwright-core';

/**
 * Keeps every RTCPeerConnection the page creates (mediasoup-client's transports are not reachable from outside),
 * so a test can read what really flows: `getStats()` of the send and receive side. Call before the page loads.
 */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = seen;
    const Original = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Original {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        seen.push(this);
      }
    };
  });
}

export type VideoFlow = {
  /** Sender: the send-side bandwidth estimate of the selected candidate pair (bit/s). */
  availableOutgoingBitrate: number;
  /** Sender: each simulcast layer actually sent, widest first. */
  sentLayers: { rid: string; width: number; fps: number; qualityLimitationReason: string }[];
  /** Receiver: the widest inbound video and its totals so far. */
  inbound: { width: number; height: number; framesDecoded: number; bytesReceived: number; timestamp: number } | undefined;
};

/** One snapshot of the video stats of every connected peer connection on the page. */
export async function videoFlow(page: Page): Promise<VideoFlow> {
  return page.evaluate(async () => {
    const flow: VideoFlow = { availableOutgoingBitrate: 0, sentLayers: [], inbound: undefined };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = [...(await pc.getStats()).values()] as Record<string, unknown>[];
      const transport = stats.find((s) => s.type === 'transport');
      const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
      for (const s of stats) {
        if (s.type === 'outbound-rtp' && s.kind === 'video' && Number(s.frameWidth) > 0) {
          flow.availableOutgoingBitrate = Math.max(flow.availableOutgoingBitrate, Number(pair?.availableOutgoingBitrate ?? 0));
          flow.sentLayers.push({
            rid: String(s.rid ?? ''),
            width: Number(s.frameWidth),
            fps: Number(s.framesPerSecond ?? 0),
            qualityLimitationReason: String(s.qualityLimitationReason ?? ''),
          });
        }
        if (s.type === 'inbound-rtp' && s.kind === 'video' && Number(s.frameWidth) >= (flow.inbound?.width ?? 0)) {
          flow.inbound = {
            width: Number(s.frameWidth),
            height: Number(s.frameHeight),
            framesDecoded: Number(s.framesDecoded),
            bytesReceived: Number(s.bytesReceived),
            timestamp: Number(s.timestamp),
          };
        }
      }
    }
    flow.sentLayers.sort((a, b) => b.width - a.width);
    return flow;
  });
}

/** Frame rate and bitrate the receiver decoded between two snapshots. */
export function receiveRate(before: VideoFlow, after: VideoFlow): { fps: number; kbps: number; width: number } {
  const a = before.inbound;
  const b = after.inbound;
  if (!a || !b || b.timestamp <= a.timestamp) return { fps: 0, kbps: 0, width: b?.width ?? 0 };
  const seconds = (b.timestamp - a.timestamp) / 1000;
  return {
    fps: (b.framesDecoded - a.framesDecoded) / seconds,
    kbps: ((b.bytesReceived - a.bytesReceived) * 8) / 1000 / seconds,
    width: b.width,
  };
}
