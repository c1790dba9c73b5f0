/*
 * What a browser would send to publish a microphone (Opus) or a camera (VP8), for tests that speak the protocol
 * without a browser. mediasoup creates real producers and consumers from these; no packet needs to flow.
 */

type Reply = { ok?: boolean; data?: unknown; error?: { code: string } };
/** FakeClient (unit tests) and WsClient (end-to-end) both fit. */
export type Requester = { request(method: string, data?: unknown): Promise<Reply> };

export function opusRtpParameters(ssrc: number) {
  return {
    mid: '0',
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: `fake-${ssrc}`, reducedSize: true },
  };
}

export function vp8RtpParameters(ssrc: number) {
  return {
    mid: '1',
    codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [{ type: 'nack' }] }],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: `fake-${ssrc}`, reducedSize: true },
  };
}

/** A well-formed DTLS fingerprint (SHA-256: 32 bytes) that is nobody's. */
export const SOME_DTLS_PARAMETERS = {
  role: 'client',
  fingerprints: [{ algorithm: 'sha-256', value: Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase()).join(':') }],
} as const;

async function ok<T>(client: Requester, method: string, data: unknown): Promise<T> {
  const reply = await client.request(method, data);
  if (!reply.ok) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
  return reply.data as T;
}

/**
 * Gives a joined client what the app sets up after joining: capabilities (the router's own, which can consume
 * everything), a send and a receive transport. Returns the transports' ids.
 */
export async function setUpMedia(client: Requester, routerRtpCapabilities: unknown) {
  await ok(client, 'setCapabilities', { rtpCapabilities: routerRtpCapabilities });
  const send = await ok<{ transportId: string }>(client, 'createTransport', { direction: 'send' });
  const recv = await ok<{ transportId: string }>(client, 'createTransport', { direction: 'recv' });
  return { sendTransportId: send.transportId, recvTransportId: recv.transportId };
}

export async function produceFake(client: Requester, transportId: string, source: 'mic' | 'cam', options: { paused?: boolean; ssrc?: number } = {}) {
  const ssrc = options.ssrc ?? Math.floor(Math.random() * 2 ** 31);
  const rtpParameters = source === 'mic' ? opusRtpParameters(ssrc) : vp8RtpParameters(ssrc);
  const kind = source === 'mic' ? 'audio' : 'video';
  const reply = await ok<{ producerId: string }>(client, 'produce', { transportId, kind, source, rtpParameters, paused: options.paused ?? false });
  return reply.producerId;
}

export async function consume(client: Requester, producerId: string) {
  return (await ok<{ consumerId: string }>(client, 'consume', { producerId })).consumerId;
}
