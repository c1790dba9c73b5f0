/**
 * What the join bench watches inside a joining page, with no change to the app: an init script (runs before the
 * page's own code) that timestamps, on the page's clock (`performance.now()`), the signaling socket (creation, open,
 * every request sent and its reply, notifications), every RTCPeerConnection (ICE and connection state, remote
 * tracks), camera/microphone requests, and then polls the video receiver's stats for its first packet and first
 * decoded frame and watches the tile's <video> for its first shown frame (`requestVideoFrameCallback`).
 */

/** One timestamped event on the page's clock (ms since navigation start). */
export type ProbeEvent =
  | { t: number; kind: 'click' }
  | { t: number; kind: 'ws'; what: 'created' | 'open' | 'closed' }
  | { t: number; kind: 'sent'; id: number; method: string; consumerId?: string }
  | { t: number; kind: 'reply'; id: number; ok: boolean; data: unknown }
  | { t: number; kind: 'notification'; method: string }
  | { t: number; kind: 'pc'; pc: number; what: string }
  | { t: number; kind: 'gum'; what: 'asked' | 'got' }
  | { t: number; kind: 'video'; what: 'firstPacket' | 'firstDecoded' | 'shown' | 'width'; detail?: Record<string, number> };

export type ProbeWindow = { __joinProbe: { events: ProbeEvent[]; tileLabel: string } };

/** The init script. Self-contained: Playwright sends its source text into the page. */
export function joinProbeInitScript(tileLabel: string): void {
  const events: ProbeEvent[] = [];
  (window as unknown as ProbeWindow).__joinProbe = { events, tileLabel };
  const now = () => performance.now();

  const OriginalWebSocket = window.WebSocket;
  window.WebSocket = class extends OriginalWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      events.push({ t: now(), kind: 'ws', what: 'created' });
      this.addEventListener('open', () => events.push({ t: now(), kind: 'ws', what: 'open' }));
      this.addEventListener('close', () => events.push({ t: now(), kind: 'ws', what: 'closed' }));
      this.addEventListener('message', (event: MessageEvent) => {
        const t = now();
        if (typeof event.data !== 'string') return;
        const message = JSON.parse(event.data) as { id?: number; ok?: boolean; method?: string; data?: unknown };
        if (typeof message.id === 'number') events.push({ t, kind: 'reply', id: message.id, ok: message.ok === true, data: message.data });
        else if (message.method) events.push({ t, kind: 'notification', method: message.method });
      });
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (typeof data === 'string') {
        const message = JSON.parse(data) as { id?: number; method?: string; data?: { consumerId?: string } };
        if (typeof message.id === 'number' && message.method) {
          events.push({ t: now(), kind: 'sent', id: message.id, method: message.method, consumerId: message.data?.consumerId });
        }
      }
      super.send(data);
    }
  };

  let pcCount = 0;
  const OriginalPeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends OriginalPeerConnection {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      const pc = pcCount++;
      events.push({ t: now(), kind: 'pc', pc, what: 'created' });
      this.addEventListener('iceconnectionstatechange', () => events.push({ t: now(), kind: 'pc', pc, what: `ice:${this.iceConnectionState}` }));
      this.addEventListener('connectionstatechange', () => events.push({ t: now(), kind: 'pc', pc, what: `conn:${this.connectionState}` }));
      this.addEventListener('track', (event: RTCTrackEvent) => {
        events.push({ t: now(), kind: 'pc', pc, what: `track:${event.track.kind}` });
        if (event.track.kind === 'video') watchReceiver(event.receiver);
      });
    }
  };

  const media = navigator.mediaDevices;
  const originalGetUserMedia = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    events.push({ t: now(), kind: 'gum', what: 'asked' });
    const stream = await originalGetUserMedia(constraints);
    events.push({ t: now(), kind: 'gum', what: 'got' });
    return stream;
  };

  /** First packet and first decoded frame, from the receiver's own stats every few ms (stops once decoding). */
  function watchReceiver(receiver: RTCRtpReceiver): void {
    let sawPacket = false;
    const poll = async () => {
      const asked = now();
      const stats = [...(await receiver.getStats()).values()] as Record<string, unknown>[];
      const t = now();
      const inbound = stats.find((s) => s.type === 'inbound-rtp');
      const packets = Number(inbound?.packetsReceived ?? 0);
      const detail = () => ({
        packets,
        framesReceived: Number(inbound?.framesReceived ?? 0),
        keyFramesDecoded: Number(inbound?.keyFramesDecoded ?? 0),
        pliCount: Number(inbound?.pliCount ?? 0),
        firCount: Number(inbound?.firCount ?? 0),
        nackCount: Number(inbound?.nackCount ?? 0),
        width: Number(inbound?.frameWidth ?? 0),
      });
      if (!sawPacket && packets > 0) {
        sawPacket = true;
        // getStats answers late on a busy page: the packet's own arrival time (epoch ms) is nearer the truth. It is
        // the latest packet's, but the first ones come in one burst (the key frame).
        const arrived = Number(inbound?.lastPacketReceivedTimestamp ?? NaN) - performance.timeOrigin;
        const at = Number.isFinite(arrived) && arrived <= t && arrived >= asked - 1_000 ? arrived : t;
        events.push({ t: at, kind: 'video', what: 'firstPacket', detail: { ...detail(), statsLag: t - at } });
      }
      if (Number(inbound?.framesDecoded ?? 0) > 0) {
        events.push({ t, kind: 'video', what: 'firstDecoded', detail: detail() });
        return;
      }
      setTimeout(() => void poll(), 4);
    };
    void poll();
  }

  // The tile's <video>: its first frame handed to the compositor, and (the old measure) its first known width.
  const watchTile = () => {
    const video = document.querySelector<HTMLVideoElement>(`[aria-label="${tileLabel}"] video`);
    if (!video) return void setTimeout(watchTile, 4);
    video.requestVideoFrameCallback((_now, frame) => {
      events.push({ t: frame.presentationTime, kind: 'video', what: 'shown', detail: { width: frame.width, expectedDisplayTime: frame.expectedDisplayTime } });
    });
    const widthPoll = () => {
      if (video.videoWidth > 0) events.push({ t: now(), kind: 'video', what: 'width' });
      else setTimeout(widthPoll, 4);
    };
    widthPoll();
  };
  document.addEventListener(
    'click',
    (event) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('button')?.textContent?.trim() !== 'Join') return;
      events.push({ t: now(), kind: 'click' });
      watchTile();
    },
    { capture: true },
  );
}
