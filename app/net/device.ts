import { Device, detectDevice } from 'mediasoup-client';
import type { BuiltinHandlerName } from 'mediasoup-client/types';

/**
 * mediasoup-client picks a WebRTC handler from the user agent and gives up on ones it does not know (headless
 * Chromium, some Chromium-based browsers). Rather than refuse a browser that has WebRTC, fall back on engine
 * features: Chromium's `chrome`-prefixed APIs, Firefox's `mozGetUserMedia`-era globals, else Safari's handler.
 */
export function pickHandlerName(): BuiltinHandlerName | undefined {
  const detected = detectDevice();
  if (detected) return detected;
  if (typeof RTCPeerConnection === 'undefined') return undefined;
  const ua = navigator.userAgent;
  if (/Chrom(e|ium)/.test(ua)) return 'Chrome111';
  if (/Firefox/.test(ua)) return 'Firefox120';
  return 'Safari12';
}

export function createDevice(): Device {
  const handlerName = pickHandlerName();
  if (!handlerName) throw new Error('This browser cannot make video calls (no WebRTC)');
  return new Device({ handlerName });
}
