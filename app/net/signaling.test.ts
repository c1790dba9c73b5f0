import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { PROTOCOL_VERSION, ProtocolError } from '../../shared/protocol/index.ts';
import { SignalingClient, type SignalingEvents } from './signaling.ts';

/** A stand-in for the browser's WebSocket: the test plays the server. */
class FakeSocket {
  static readonly OPEN = 1;
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: { id: number; method: string; data: unknown }[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;

  readonly url: string;

  constructor(url: string) {
    this.url = url;
    FakeSocket.instances.push(this);
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.();
  }
  // Server side of the fake:
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  reply(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  lastRequest() {
    const request = this.sent.at(-1);
    if (!request) throw new Error('nothing sent');
    return request;
  }
}

function events(): SignalingEvents & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    ready: ({ reconnect }) => log.push(`ready:${reconnect}`),
    state: (state) => log.push(`state:${state}`),
    notification: (notification) => log.push(`notification:${notification.method}`),
    fatal: (error) => log.push(`fatal:${error.code}`),
  };
}

/** Opens a client and completes the handshake; returns it with its socket. */
async function connected() {
  const recorder = events();
  const client = new SignalingClient('ws://test/ws', recorder);
  client.connect();
  const socket = FakeSocket.instances.at(-1)!;
  socket.open();
  const hello = socket.lastRequest();
  expect(hello).toMatchObject({ method: 'hello', data: { protocolVersion: PROTOCOL_VERSION } });
  socket.reply({ id: hello.id, ok: true, data: { protocolVersion: PROTOCOL_VERSION } });
  await vi.advanceTimersByTimeAsync(0);
  return { client, socket, recorder };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('SignalingClient', () => {
  test('handshakes first, then resolves a request with its validated reply', async () => {
    const { client, socket, recorder } = await connected();
    expect(recorder.log).toContain('ready:false');
    const pending = client.request('createTransport', { direction: 'send' });
    const request = socket.lastRequest();
    socket.reply({ id: request.id, ok: true, data: { transportId: 't1', iceParameters: { usernameFragment: 'u', password: 'p' }, iceCandidates: [], dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AB' }] } } });
    await expect(pending).resolves.toMatchObject({ transportId: 't1' });
  });

  test('an error reply rejects with its code; a malformed reply is refused, not trusted', async () => {
    const { client, socket } = await connected();
    const refused = client.request('consume', { producerId: 'p' });
    socket.reply({ id: socket.lastRequest().id, ok: false, error: { code: 'not_found', message: 'No such producer' } });
    await expect(refused).rejects.toMatchObject({ code: 'not_found', message: 'No such producer' });

    const malformed = client.request('produce', { transportId: 't', kind: 'video', source: 'cam', rtpParameters: { codecs: [] } });
    socket.reply({ id: socket.lastRequest().id, ok: true, data: { producerId: 42 } });
    await expect(malformed).rejects.toBeInstanceOf(ProtocolError);
  });

  test('a request without a reply times out', async () => {
    const { client } = await connected();
    const pending = client.request('ping', {}, 1_000);
    const settled = expect(pending).rejects.toMatchObject({ code: 'timeout' });
    await vi.advanceTimersByTimeAsync(1_001);
    await settled;
  });

  test('pending requests are rejected when the socket drops, then it reconnects and handshakes again', async () => {
    const { client, socket, recorder } = await connected();
    const pending = client.request('join', { room: 'r', name: 'Ann' });
    socket.close();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    expect(recorder.log).toContain('state:reconnecting');

    await vi.advanceTimersByTimeAsync(10_000); // longer than any first backoff
    const next = FakeSocket.instances.at(-1)!;
    expect(next).not.toBe(socket);
    next.open();
    next.reply({ id: next.lastRequest().id, ok: true, data: { protocolVersion: PROTOCOL_VERSION } });
    await vi.advanceTimersByTimeAsync(0);
    expect(recorder.log.at(-1)).toBe('ready:true');
  });

  test('a silent connection is detected by the keepalive and replaced', async () => {
    const { socket } = await connected();
    await vi.advanceTimersByTimeAsync(10_000 + 5_001); // a ping is sent and never answered
    expect(socket.readyState).toBe(3);
  });

  test('a protocol version the server refuses is fatal: no reconnect loop', async () => {
    const recorder = events();
    const client = new SignalingClient('ws://test/ws', recorder);
    client.connect();
    const socket = FakeSocket.instances.at(-1)!;
    socket.open();
    socket.reply({ id: socket.lastRequest().id, ok: false, error: { code: 'unsupported_version', message: 'reload' } });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(recorder.log).toContain('fatal:unsupported_version');
    expect(FakeSocket.instances).toHaveLength(1);
    expect(client.closed).toBe(true);
  });

  test('invalid notifications are dropped; valid ones are delivered', async () => {
    const { socket, recorder } = await connected();
    socket.reply({ method: 'peerLeft', data: {} });
    socket.reply({ method: 'peerLeft', data: { peerId: 'p1' } });
    expect(recorder.log.filter((entry) => entry.startsWith('notification'))).toEqual(['notification:peerLeft']);
  });
});
