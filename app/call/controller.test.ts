import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { chatItems, chatSend } from '../models/chat.ts';
import { activeSpeakerId } from '../models/participants.ts';
import { joinError, phase } from '../models/session.ts';

/* The media session is not under test here: a stand-in that builds instantly. */
vi.mock('../net/sfu.ts', () => ({
  SfuSession: {
    start: async () => ({
      closed: false,
      close() {},
      refreshIce: async () => {},
      produce: async () => ({}),
      // No SCTP here: the chat channel never opens, so chat stays queued unless acknowledged.
      consumeData: () => new Promise(() => {}),
      produceData: () => new Promise(() => {}),
    }),
  },
}));

const { CallController } = await import('./controller.ts');
const { SELF_ID } = await import('./localMedia.ts');

type Sent = { id: number; method: string; data: Record<string, unknown> };

/** The browser's WebSocket, with the server played by the test; `hello` and `ping` are answered by themselves. */
class FakeSocket {
  static readonly OPEN = 1;
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: Sent[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor() {
    FakeSocket.instances.push(this);
    queueMicrotask(() => {
      this.readyState = FakeSocket.OPEN;
      this.onopen?.();
    });
  }
  send(text: string): void {
    const request = JSON.parse(text) as Sent;
    this.sent.push(request);
    if (request.method === 'hello') this.reply(request.id, { protocolVersion: PROTOCOL_VERSION });
    if (request.method === 'ping') this.reply(request.id, {});
  }
  close(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.();
  }
  reply(id: number, data: unknown): void {
    queueMicrotask(() => this.onmessage?.({ data: JSON.stringify({ id, ok: true, data }) }));
  }
  refuse(id: number, code: string, message: string): void {
    queueMicrotask(() => this.onmessage?.({ data: JSON.stringify({ id, ok: false, error: { code, message } }) }));
  }
  joins(): Sent[] {
    return this.sent.filter((request) => request.method === 'join');
  }
}

const joined = (peerId: string) => ({
  peerId,
  resumeToken: `token-${peerId}`,
  resumed: false,
  routerRtpCapabilities: { codecs: [] },
  iceServers: [],
  iceTransportPolicy: 'all',
  peers: [],
  locked: false,
  chat: { dataProducerId: 'chat-feed', lastSeq: 0 },
});

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.instances = [];
  const storage = new Map<string, string>();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'test', origin: 'http://test', pathname: '/r/room' });
  vi.stubGlobal('window', { addEventListener() {}, removeEventListener() {} });
  vi.stubGlobal('navigator', {});
  vi.stubGlobal('sessionStorage', {
    getItem: (key: string) => storage.get(key) ?? null,
    setItem: (key: string, value: string) => void storage.set(key, value),
    removeItem: (key: string) => void storage.delete(key),
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('CallController', () => {
  test('coming back after a drop, a rate_limited join is tried again later instead of ending the call', async () => {
    const call = new CallController('room', 'Ann', {});
    await call.start({ mic: null, cam: null, micOn: false, camOn: false });
    await vi.advanceTimersByTimeAsync(0);
    const first = FakeSocket.instances[0]!;
    first.reply(first.joins()[0]!.id, joined('ann-1'));
    await vi.advanceTimersByTimeAsync(0);
    expect(phase.value).toBe('in-call');

    // The server let Ann go while she was away, and her network has joined too often this minute.
    first.close();
    await vi.advanceTimersByTimeAsync(10_000);
    const second = FakeSocket.instances[1]!;
    const rejoin = second.joins()[0]!;
    expect(rejoin.data.resume).toMatchObject({ peerId: 'ann-1', token: 'token-ann-1' });
    second.refuse(rejoin.id, 'rate_limited', 'Too many joins from your network just now.');
    await vi.advanceTimersByTimeAsync(0);
    expect(phase.value).toBe('in-call');
    expect(joinError.value).toBeNull();

    // It tries again on the same connection after a backoff, and gets in.
    await vi.advanceTimersByTimeAsync(30_000);
    const retry = second.joins()[1];
    expect(retry).toBeDefined();
    second.reply(retry!.id, joined('ann-2'));
    await vi.advanceTimersByTimeAsync(0);
    expect(phase.value).toBe('in-call');
    expect(joinError.value).toBeNull();
    const leaving = call.leave();
    await vi.advanceTimersByTimeAsync(2_000);
    await leaving;
  });

  test('a rate_limited first join is still an answer in words on the join screen', async () => {
    const call = new CallController('room', 'Ann', {});
    await call.start({ mic: null, cam: null, micOn: false, camOn: false });
    await vi.advanceTimersByTimeAsync(0);
    const socket = FakeSocket.instances[0]!;
    socket.refuse(socket.joins()[0]!.id, 'rate_limited', 'Too many joins from your network just now.');
    await vi.advanceTimersByTimeAsync(0);
    expect(phase.value).toBe('lobby');
    expect(joinError.value).toBe('Too many joins from your network just now.');
  });

  test('chat: a message written before the server answers shows as queued; its chatAck makes it delivered', async () => {
    vi.spyOn(crypto, 'randomUUID').mockReturnValue('0000aaaa-0000-4000-8000-000000000001');
    const call = new CallController('room', 'Ann', {});
    await call.start({ mic: null, cam: null, micOn: false, camOn: false });
    expect(chatSend.value?.('written while connecting')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(50);
    expect(chatItems.value.map((item) => [item.text, item.state])).toEqual([['written while connecting', 'queued']]);

    const socket = FakeSocket.instances[0]!;
    socket.reply(socket.joins()[0]!.id, joined('ann-1'));
    await vi.advanceTimersByTimeAsync(0);
    queueMicrotask(() =>
      socket.onmessage?.({
        data: JSON.stringify({ method: 'chatAck', data: { id: '0000aaaa-0000-4000-8000-000000000001', seq: 1 } }),
      }),
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(chatItems.value.map((item) => [item.text, item.state])).toEqual([['written while connecting', 'delivered']]);
    const leaving = call.leave();
    await vi.advanceTimersByTimeAsync(2_000);
    await leaving;
    expect(chatItems.value).toEqual([]);
  });

  test('active speaker: our own peer id is the local tile, another is theirs, and a leave clears it', async () => {
    const call = new CallController('room', 'Ann', {});
    await call.start({ mic: null, cam: null, micOn: false, camOn: false });
    await vi.advanceTimersByTimeAsync(50);
    const socket = FakeSocket.instances[0]!;
    socket.reply(socket.joins()[0]!.id, joined('ann-1'));
    await vi.advanceTimersByTimeAsync(50);
    const notify = (method: string, data: unknown) =>
      queueMicrotask(() => socket.onmessage?.({ data: JSON.stringify({ method, data }) }));

    notify('activeSpeaker', { peerId: 'ann-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(activeSpeakerId.value).toBe(SELF_ID);
    notify('peerJoined', { peer: { id: 'bob-1', name: 'Bob', connected: true, publications: [] } });
    notify('activeSpeaker', { peerId: 'bob-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(activeSpeakerId.value).toBe('bob-1');
    // Bob leaves before the server names anyone else: his highlight goes with him.
    notify('peerLeft', { peerId: 'bob-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(activeSpeakerId.value).toBeNull();

    notify('activeSpeaker', { peerId: 'ann-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(activeSpeakerId.value).toBe(SELF_ID);
    const leaving = call.leave();
    await vi.advanceTimersByTimeAsync(2_000);
    await leaving;
    expect(activeSpeakerId.value).toBeNull();
  });
});
