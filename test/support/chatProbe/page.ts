/*
 * Runs in a page (bundled by ./bundle.ts): a bare protocol client with mediasoup-client and real data channels, no
 * app UI, so tests can drive the server's chat path exactly (resends, bursts) and see every frame and ack.
 */
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { ChatDownFrame, ResponseData } from '../../../shared/protocol/index.ts';

type Reply = { id: number; ok: boolean; data?: unknown; error?: unknown };
type Note = { method: string; data: { id: string; seq: number } };

export type ChatProbe = {
  peerId: string;
  join: ResponseData<'join'>;
  /** Every frame off the room's chat feed, in arrival order. */
  received: ChatDownFrame[];
  /** Every `chatAck`, in arrival order. */
  acks: Note['data'][];
  send(frames: unknown[]): void;
  request(method: string, data?: unknown): Promise<unknown>;
};

function signaling(url: string) {
  const socket = new WebSocket(url);
  let nextId = 1;
  const waiting = new Map<number, (reply: Reply) => void>();
  const acks: Note['data'][] = [];
  const listeners = new Map<string, (data: any) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as Reply | Note;
    if ('ok' in message) waiting.get(message.id)?.(message);
    else if (message.method === 'chatAck') acks.push(message.data);
    else listeners.get(message.method)?.(message.data);
  };
  const opened = new Promise((resolve) => (socket.onopen = resolve));
  async function request(method: string, data: unknown = {}): Promise<any> {
    await opened;
    const id = nextId++;
    socket.send(JSON.stringify({ id, method, data }));
    const reply = await new Promise<Reply>((resolve) => waiting.set(id, resolve));
    if (!reply.ok) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }
  const on = (method: string, listener: (data: any) => void) => void listeners.set(method, listener);
  return { request, acks, on };
}

const whenOpen = (channel: { readyState: string; on(event: 'open', listener: () => void): void }) =>
  new Promise<void>((resolve) => (channel.readyState === 'open' ? resolve() : channel.on('open', resolve)));

/** Joins `room` as `name` with a send and a receive transport (data channels only). */
async function joinProbe(wsUrl: string, room: string, name: string) {
  const { request, acks, on } = signaling(wsUrl);
  await request('hello', { protocolVersion: 2 });
  const join = (await request('join', { room, name })) as ResponseData<'join'>;
  const device = new Device();
  await device.load({ routerRtpCapabilities: join.routerRtpCapabilities as types.RtpCapabilities });
  await request('setCapabilities', { rtpCapabilities: device.recvRtpCapabilities });
  async function transport(direction: 'send' | 'recv') {
    const info = await request('createTransport', { direction });
    const options = { ...info, id: info.transportId };
    const created = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    created.on('connect', ({ dtlsParameters }, done, fail) => {
      request('connectTransport', { transportId: created.id, dtlsParameters }).then(() => done(), fail);
    });
    created.on('producedata', ({ sctpStreamParameters, label, appData }, done, fail) => {
      request('produceData', { transportId: created.id, label, sctpStreamParameters, ...(appData.linkId ? { linkId: appData.linkId } : {}) }).then(
        (reply: { dataProducerId: string }) => done({ id: reply.dataProducerId }),
        fail,
      );
    });
    return created;
  }
  const sendTransport = await transport('send');
  const recvTransport = await transport('recv');
  return { request, acks, on, join, sendTransport, recvTransport };
}

/** Joins `room` as `name`, opens a chat DataProducer and consumes the room's feed; resolves once both are open. */
async function openChat(wsUrl: string, room: string, name: string): Promise<ChatProbe> {
  const { request, acks, join, sendTransport, recvTransport } = await joinProbe(wsUrl, room, name);
  const received: ChatDownFrame[] = [];
  const feed = await request('consumeData', { dataProducerId: join.chat.dataProducerId });
  const consumer = await recvTransport.consumeData({ ...feed, id: feed.dataConsumerId });
  consumer.on('message', (data: string) => received.push(JSON.parse(data) as ChatDownFrame));
  const producer = await sendTransport.produceData({ label: 'chat', ordered: true });
  await Promise.all([whenOpen(producer), whenOpen(consumer)]);
  const send = (frames: unknown[]) => {
    for (const frame of frames) producer.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  };
  return { peerId: join.peerId, join, received, acks, send, request };
}

export type FileProbe = {
  peerId: string;
  /** Bytes received on file links so far, and when the first and the latest arrived (ms, performance.now()). */
  received: { bytes: number; frames: number; firstAt: number; lastAt: number };
  /** Pushes `total` bytes to `peerId` on a raw file link in `frameSize` frames, with bufferedAmount backpressure. */
  push(peerId: string, total: number, frameSize: number): Promise<number>;
};

/**
 * A bare file-link client: the raw data-channel path (DataProducer → SFU → DataConsumer) with nothing of the app's
 * (no acks, no persistence, no service worker), as the baseline the app's transfers are measured against.
 */
async function openFileProbe(wsUrl: string, room: string, name: string): Promise<FileProbe> {
  const { request, on, join, sendTransport, recvTransport } = await joinProbe(wsUrl, room, name);
  const received = { bytes: 0, frames: 0, firstAt: 0, lastAt: 0 };
  on('fileLinkOpened', async (data: { dataProducerId: string }) => {
    const reply = await request('consumeData', { dataProducerId: data.dataProducerId });
    const consumer = await recvTransport.consumeData({ ...reply, id: reply.dataConsumerId });
    consumer.binaryType = 'arraybuffer';
    consumer.on('message', (message: ArrayBuffer) => {
      const now = performance.now();
      if (received.frames === 0) received.firstAt = now;
      received.lastAt = now;
      received.frames++;
      received.bytes += message.byteLength;
    });
  });
  async function push(peerId: string, total: number, frameSize: number): Promise<number> {
    const { linkId } = await request('openFileLink', { audience: [peerId] });
    const producer = await sendTransport.produceData({ label: 'file', ordered: true, appData: { linkId } });
    await whenOpen(producer);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the receiver consumes the link
    producer.bufferedAmountLowThreshold = 1024 * 1024;
    const frame = new Uint8Array(frameSize).fill(7);
    const started = performance.now();
    for (let sent = 0; sent < total; sent += frameSize) {
      if (producer.bufferedAmount > 4 * 1024 * 1024) await new Promise<void>((resolve) => producer.once('bufferedamountlow', () => resolve()));
      producer.send(frame.buffer.slice(0));
    }
    return performance.now() - started;
  }
  return { peerId: join.peerId, received, push };
}

(globalThis as unknown as { openChat: typeof openChat; openFileProbe: typeof openFileProbe }).openChat = openChat;
(globalThis as unknown as { openFileProbe: typeof openFileProbe }).openFileProbe = openFileProbe;
