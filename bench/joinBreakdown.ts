import type { ProbeEvent } from './joinProbe.ts';

/**
 * Turns one join's probe events into milestones (ms after the Join click) along the path to the first shown frame,
 * and the signaling requests in the order they were sent with their round trips.
 */

/** The milestones, in the order the join goes through them. */
export const MILESTONES = [
  ['socket created', 'room code loaded, controller started, WebSocket constructed'],
  ['socket open', 'TCP + WebSocket upgrade'],
  ['hello reply', 'protocol handshake round trip'],
  ['join sent', 'join queued behind camera/microphone start'],
  ['join reply', 'join round trip'],
  ['device load starts', 'after the join reply: peers, chat history, annotations, until Device.load makes its probe RTCPeerConnection'],
  ['device loaded', 'mediasoup-client Device.load (a throwaway RTCPeerConnection) until the first transport request'],
  ['transports created', 'setCapabilities + createTransport send + recv (in parallel) all answered'],
  ['published', 'own mic and camera produced (one SDP round each on the send transport, then its produce request)'],
  ['consume reply', "the host's camera: consume round trip (sent with the mic's)"],
  ['resume sent', 'the local consumer made (SDP on the receive transport, one consumer at a time)'],
  ['consumer resumed', 'resumeConsumer round trip'],
  ['recv ICE connected', 'receive transport: ICE checks done'],
  ['recv DTLS connected', 'receive transport: DTLS handshake done (connectionState connected)'],
  ['first RTP', 'first video packet in (inbound-rtp packetsReceived > 0, at its lastPacketReceivedTimestamp)'],
  ['first decoded', 'framesDecoded > 0 (when the poll saw it: late by a getStats)'],
  ['first shown', 'requestVideoFrameCallback presentationTime on the tile'],
] as const;
export type Milestone = (typeof MILESTONES)[number][0];

export type SignalingRequest = { method: string; sentAt: number; roundTrip: number };

export type JoinBreakdown = {
  /** ms after the click, per milestone (missing when the join never got there). */
  at: Partial<Record<Milestone, number>>;
  /** The old measure: click → the tile's video knows its width. */
  baseline: number;
  requests: SignalingRequest[];
  /** The first video frame: how many packets and PLIs it took. */
  firstFrame: { packetsAtFirstPacket: number; packetsAtDecode: number; pliSent: number; firSent: number; statsLag: number } | undefined;
};

export function breakdown(events: ProbeEvent[]): JoinBreakdown {
  const click = events.find((e) => e.kind === 'click')?.t ?? NaN;
  const after = (t: number | undefined) => (t === undefined ? undefined : t - click);
  const first = <K extends ProbeEvent['kind']>(kind: K, test: (e: Extract<ProbeEvent, { kind: K }>) => boolean = () => true) =>
    events.find((e): e is Extract<ProbeEvent, { kind: K }> => e.kind === kind && e.t >= click && test(e as Extract<ProbeEvent, { kind: K }>));

  const sent = events.filter((e): e is Extract<ProbeEvent, { kind: 'sent' }> => e.kind === 'sent' && e.t >= click);
  const replies = new Map<number, Extract<ProbeEvent, { kind: 'reply' }>>();
  for (const e of events) if (e.kind === 'reply') replies.set(e.id, e);
  const requests: (SignalingRequest & { consumerId?: string; replyAt: number | undefined; data: unknown })[] = sent.map((s) => {
    const reply = replies.get(s.id);
    return { method: s.method, consumerId: s.consumerId, sentAt: s.t - click, roundTrip: reply ? reply.t - s.t : NaN, replyAt: reply ? reply.t - click : undefined, data: reply?.data };
  });
  const req = (method: string, test: (r: (typeof requests)[number]) => boolean = () => true) => requests.filter((r) => r.method === method && test(r));
  const lastReply = (list: typeof requests) => (list.length ? Math.max(...list.map((r) => r.replyAt ?? NaN)) : undefined);

  const videoConsume = req('consume', (r) => (r.data as { kind?: string } | undefined)?.kind === 'video')[0];
  const videoConsumerId = (videoConsume?.data as { consumerId?: string } | undefined)?.consumerId;
  const videoResume = req('resumeConsumer', (r) => r.consumerId !== undefined && r.consumerId === videoConsumerId)[0];
  // The receive transport's peer connection is the one the host's video track arrived on.
  const recvPc = first('pc', (e) => e.what === 'track:video')?.pc;

  const at: Partial<Record<Milestone, number>> = {
    'socket created': after(first('ws', (e) => e.what === 'created')?.t),
    'socket open': after(first('ws', (e) => e.what === 'open')?.t),
    'hello reply': req('hello')[0]?.replyAt,
    'join sent': req('join')[0]?.sentAt,
    'join reply': req('join')[0]?.replyAt,
    'device load starts': after(first('pc', (e) => e.what === 'created' && e.t - click >= (req('join')[0]?.replyAt ?? Infinity))?.t),
    'device loaded': req('createTransport')[0]?.sentAt,
    'transports created': lastReply([...req('setCapabilities'), ...req('createTransport')]),
    published: lastReply(req('produce')),
    'consume reply': videoConsume?.replyAt,
    'resume sent': videoResume?.sentAt,
    'consumer resumed': videoResume?.replyAt,
    'recv ICE connected': after(first('pc', (e) => e.pc === recvPc && (e.what === 'ice:connected' || e.what === 'ice:completed'))?.t),
    'recv DTLS connected': after(first('pc', (e) => e.pc === recvPc && e.what === 'conn:connected')?.t),
    'first RTP': after(first('video', (e) => e.what === 'firstPacket')?.t),
    'first decoded': after(first('video', (e) => e.what === 'firstDecoded')?.t),
    'first shown': after(first('video', (e) => e.what === 'shown')?.t),
  };
  const firstPacket = first('video', (e) => e.what === 'firstPacket');
  const decoded = first('video', (e) => e.what === 'firstDecoded');
  return {
    at,
    baseline: after(first('video', (e) => e.what === 'width')?.t) ?? NaN,
    requests: requests.map(({ method, sentAt, roundTrip }) => ({ method, sentAt, roundTrip })),
    firstFrame:
      firstPacket?.detail && decoded?.detail
        ? {
            packetsAtFirstPacket: firstPacket.detail.packets ?? 0,
            packetsAtDecode: decoded.detail.packets ?? 0,
            pliSent: decoded.detail.pliCount ?? 0,
            firSent: decoded.detail.firCount ?? 0,
            statsLag: firstPacket.detail.statsLag ?? NaN,
          }
        : undefined,
  };
}

/**
 * What each milestone adds to the critical path: its time minus the latest milestone before it in the list (0 when
 * it was already done by then, i.e. it overlapped). These add up to the time of the last milestone.
 */
export function increments(at: JoinBreakdown['at']): Partial<Record<Milestone, number>> {
  const added: Partial<Record<Milestone, number>> = {};
  let latest = 0;
  for (const [name] of MILESTONES) {
    const t = at[name];
    if (t === undefined) continue;
    added[name] = Math.max(0, t - latest);
    latest = Math.max(latest, t);
  }
  return added;
}

export function percentile(values: number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? NaN;
}
