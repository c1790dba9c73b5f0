/**
 * The load bench's real-WebRTC part, in headless Chromium on loopback:
 * - mesh upload: one page stands for one mesh participant with N − 1 others: it sends its camera (1280×720, at most
 *   1.2 Mbit/s, the app's top simulcast layer) on N − 1 RTCPeerConnections, each answered by a receiving connection
 *   in the same page that decodes and shows it (as that participant would decode N − 1 streams);
 * - SFU upload: N pages of the real app through the real server, each sending its camera once (simulcast);
 * - real clients under load: a few app pages in a call while synthetic consumers load the machine.
 * Upload is the video `bytesSent` rate of every outbound stream of the page, from getStats.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { joinRoom, openPhone } from '../test/support/browser.ts';
import { recordPeerConnections } from '../test/support/rtcStats.ts';
import { waitUntil } from '../test/support/poll.ts';

/** What one page sent and decoded so far (video only), summed over its peer connections. */
type Totals = { bytesSent: number; framesEncoded: number; outbound: number; widestSent: number; limitation: string; bytesReceived: number; framesDecoded: number; inbound: number; at: number };

export type Rates = { uploadKbps: number; encodeFpsPerStream: number; outbound: number; widestSent: number; limitation: string; downloadKbps: number; decodeFpsPerStream: number; inbound: number };

async function totals(page: Page, key: '__pcs' | '__mesh'): Promise<Totals> {
  return page.evaluate(async (key) => {
    const t = { bytesSent: 0, framesEncoded: 0, outbound: 0, widestSent: 0, limitation: '', bytesReceived: 0, framesDecoded: 0, inbound: 0, at: performance.now() };
    for (const pc of (window as unknown as Record<string, RTCPeerConnection[]>)[key] ?? []) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values() as IterableIterator<Record<string, unknown>>) {
        if (s.kind !== 'video') continue;
        if (s.type === 'outbound-rtp') {
          t.bytesSent += Number(s.bytesSent ?? 0);
          t.framesEncoded += Number(s.framesEncoded ?? 0);
          t.outbound++;
          t.widestSent = Math.max(t.widestSent, Number(s.frameWidth ?? 0));
          if (s.qualityLimitationReason && s.qualityLimitationReason !== 'none') t.limitation = String(s.qualityLimitationReason);
        } else if (s.type === 'inbound-rtp' && Number(s.framesDecoded ?? 0) > 0) {
          // Only streams that show something: mediasoup-client's receive transport also holds a `probator` receiver.
          t.bytesReceived += Number(s.bytesReceived ?? 0);
          t.framesDecoded += Number(s.framesDecoded ?? 0);
          t.inbound++;
        }
      }
    }
    return t;
  }, key);
}

/** Rates over `windowMs` on every page at once. */
export async function rates(pages: Page[], key: '__pcs' | '__mesh', windowMs: number): Promise<Rates[]> {
  const before = await Promise.all(pages.map((page) => totals(page, key)));
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = await Promise.all(pages.map((page) => totals(page, key)));
  return after.map((b, i) => {
    const a = before[i]!;
    const seconds = (b.at - a.at) / 1000;
    return {
      uploadKbps: ((b.bytesSent - a.bytesSent) * 8) / 1000 / seconds,
      encodeFpsPerStream: (b.framesEncoded - a.framesEncoded) / seconds / Math.max(1, b.outbound),
      outbound: b.outbound,
      widestSent: b.widestSent,
      limitation: b.limitation || 'none',
      downloadKbps: ((b.bytesReceived - a.bytesReceived) * 8) / 1000 / seconds,
      decodeFpsPerStream: (b.framesDecoded - a.framesDecoded) / seconds / Math.max(1, b.inbound),
      inbound: b.inbound,
    };
  });
}

/** The app's top simulcast layer (app/call/localMedia.ts): what one mesh stream may carry. */
const MESH_MAX_BITRATE = 1_200_000;
const MESH_PAGE = 'http://127.0.0.1:9/mesh';

/** One mesh participant among `n`: its upload once the connections' bandwidth estimates have ramped up. */
export async function meshUpload(browser: Browser, n: number, warmupMs: number, windowMs: number): Promise<Rates> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    // A page of its own on a loopback origin (a secure context for getUserMedia); nothing listens there.
    await page.route(MESH_PAGE, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><body></body>' }));
    await page.goto(MESH_PAGE);
    await page.evaluate(
      async ({ others, maxBitrate }) => {
        const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720, frameRate: 30 } });
        const track = stream.getVideoTracks()[0]!;
        const senders: RTCPeerConnection[] = [];
        for (let i = 0; i < others; i++) {
          const send = new RTCPeerConnection();
          const receive = new RTCPeerConnection();
          send.onicecandidate = (e) => void (e.candidate && receive.addIceCandidate(e.candidate));
          receive.onicecandidate = (e) => void (e.candidate && send.addIceCandidate(e.candidate));
          receive.ontrack = (e) => {
            const video = document.createElement('video');
            Object.assign(video, { muted: true, autoplay: true, playsInline: true, width: 320, srcObject: new MediaStream([e.track]) });
            document.body.append(video);
          };
          send.addTransceiver(track, { direction: 'sendonly', sendEncodings: [{ maxBitrate }] });
          await send.setLocalDescription();
          await receive.setRemoteDescription(send.localDescription!);
          await receive.setLocalDescription();
          // The same start as the SFU's transports (x-google-start-bitrate 1000 in server/sfu/codecs.ts), so the
          // mesh is not measured while its bandwidth estimate still climbs from Chromium's 300 kbit/s.
          const sdp = receive.localDescription!.sdp;
          const vp8 = /a=rtpmap:(\d+) VP8\/90000/.exec(sdp)?.[1];
          const start = 'x-google-start-bitrate=1000';
          const munged = !vp8
            ? sdp
            : sdp.includes(`a=fmtp:${vp8} `)
              ? sdp.replace(new RegExp(`(a=fmtp:${vp8} [^\r\n]*)`), `$1;${start}`)
              : sdp.replace(`a=rtpmap:${vp8} VP8/90000\r\n`, `a=rtpmap:${vp8} VP8/90000\r\na=fmtp:${vp8} ${start}\r\n`);
          await send.setRemoteDescription({ type: 'answer', sdp: munged });
          senders.push(send, receive);
        }
        (window as unknown as { __mesh: RTCPeerConnection[] }).__mesh = senders;
      },
      { others: n - 1, maxBitrate: MESH_MAX_BITRATE },
    );
    await waitUntil(
      () => page.evaluate(() => (window as unknown as { __mesh: RTCPeerConnection[] }).__mesh.every((pc) => pc.connectionState === 'connected')),
      `${n - 1} mesh connections up`,
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    return (await rates([page], '__mesh', windowMs))[0]!;
  } finally {
    await context.close();
  }
}

export type Call = { pages: Page[]; close(): Promise<void> };

/** `n` app pages in one room through the real server, each with Chromium's fake camera and microphone. */
export async function appCall(browser: Browser, url: string, room: string, n: number): Promise<Call> {
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const { context, page } = await openPhone(browser);
      contexts.push(context);
      await recordPeerConnections(page);
      await joinRoom(page, url, room, `Person ${i + 1}`);
      pages.push(page);
    }
    // Everyone decodes everyone else's camera before anything is measured.
    await waitUntil(
      async () => (await Promise.all(pages.map((page) => totals(page, '__pcs')))).every((t) => t.inbound >= n - 1 && t.framesDecoded > 0),
      `${n} people receiving each other`,
      30_000,
    );
  } catch (error) {
    for (const context of contexts) await context.close();
    throw error;
  }
  return {
    pages,
    async close() {
      for (const page of pages) await page.getByRole('button', { name: 'Leave' }).click().catch(() => {});
      for (const context of contexts) await context.close();
    },
  };
}
