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
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as Reply | Note;
    if ('ok' in message) waiting.get(message.id)?.(message);
    else if (message.method === 'chatAck') acks.push(message.data);
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
  return { request, acks };
}

const whenOpen = (channel: { readyState: string; on(event: 'open', listener: () => void): void }) =>
  new Promise<void>((resolve) => (channel.readyState === 'open' ? resolve() : channel.on('open', resolve)));

/** Joins `room` as `name`, opens a chat DataProducer and consumes the room's feed; resolves once both are open. */
async function openChat(wsUrl: string, room: string, name: string): Promise<ChatProbe> {
  const { request, acks } = signaling(wsUrl);
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
    created.on('producedata', ({ sctpStreamParameters, label }, done, fail) => {
      request('produceData', { transportId: created.id, label, sctpStreamParameters }).then(
        (reply: { dataProducerId: string }) => done({ id: reply.dataProducerId }),
        fail,
      );
    });
    return created;
  }
  const sendTransport = await transport('send');
  const recvTransport = await transport('recv');
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

(globalThis as unknown as { openChat: typeof openChat }).openChat = openChat;
