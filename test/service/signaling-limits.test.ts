import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { IDLE_TIMEOUT_MS, MAX_SEND_BUFFER_BYTES } from '../../server/signaling/connection.ts';
import { waitUntil } from '../support/poll.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { WsClient } from '../support/wsClient.ts';

/*
 * The signaling socket against clients that misbehave or vanish, over real sockets to the real server: a flood of
 * garbage, a client that stops reading, and a client whose network disappears without a FIN.
 */

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

async function joined(baseUrl: string, room: string, name: string): Promise<{ client: WsClient; peerId: string }> {
  const client = await WsClient.open(baseUrl);
  await client.request('hello', { protocolVersion: PROTOCOL_VERSION });
  const reply = await client.request('join', { room, name });
  if (!reply.ok) throw new Error(`join failed: ${JSON.stringify(reply.error)}`);
  return { client, peerId: (reply.data as { peerId: string }).peerId };
}

/** True once `observer` was told that `peerId` lost its connection. */
function sawDisconnect(observer: WsClient, peerId: string): boolean {
  return observer.messages.some(
    (message) =>
      message.method === 'peerConnectionChanged' &&
      (message.data as { peerId: string; connected: boolean }).peerId === peerId &&
      !(message.data as { connected: boolean }).connected,
  );
}

function residentBytes(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}

describe('abusive clients', () => {
  test('a flood of garbage frames is charged like requests: rate_limited, then the socket is cut', async () => {
    const victim = await joined(server.url, 'garbage', 'Victim');
    const attacker = await WsClient.open(server.url);
    await attacker.request('hello', { protocolVersion: PROTOCOL_VERSION });

    const garbage = (i: number) => (i % 2 ? Buffer.from([0xff, 0x00, 0x13]) : '{"id":7,"method":');
    // A burst past the budget (MESSAGE_RATE_PER_SECOND × 5 = 250): the rest is refused as rate_limited.
    const before = attacker.replies().length;
    for (let i = 0; i < 400; i++) attacker.send(garbage(i));
    await waitUntil(() => attacker.replies().length - before === 400, 'a reply to each frame of the burst');
    expect(attacker.replies().filter((reply) => reply.error?.code === 'rate_limited').length).toBeGreaterThan(100);
    expect(attacker.open).toBe(true);
    // Flooding on regardless gets the socket cut.
    const frames = 3_000;
    for (let i = 0; i < frames; i++) attacker.send(garbage(i));
    await waitUntil(() => !attacker.open, 'the server to cut the flooding socket', 15_000);
    expect(attacker.replies().length - before).toBeLessThan(400 + frames);
    // Everyone else is fine.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await victim.client.request('ping')).toMatchObject({ ok: true });
    victim.client.close();
  });

  test('a client that stops reading is cut once 1 MiB waits for it; others see it go; the server holds at most that for it', async () => {
    // Generous budgets, so a few clients can make the server produce notifications fast.
    const busy = await startServer({ MESSAGE_RATE_PER_SECOND: '100000', JOIN_RATE_PER_MINUTE: '100000' });
    try {
      const observer = await joined(busy.url, 'busy', 'Observer');
      const stalled = await joined(busy.url, 'busy', 'Stalled');
      stalled.client.pauseReading();
      // It keeps its connection alive, so nothing but its unread data can give it away.
      const keepAlive = setInterval(() => stalled.client.send(JSON.stringify({ id: 1, method: 'ping' })), 1_000);
      const rssBefore = residentBytes(busy.process.pid!);

      // Noise: people joining and leaving the room, each change notified to everyone in it, the stalled one too.
      const noisy = await Promise.all([1, 2, 3].map(() => Churner.open(busy.url)));
      let notifiedBytes = 0;
      const deadline = Date.now() + 40_000;
      try {
        while (!sawDisconnect(observer.client, stalled.peerId) && Date.now() < deadline) {
          const before = observer.client.messages.length;
          await Promise.all(noisy.map((churner) => churner.joinAndLeave('busy', 100)));
          notifiedBytes += observer.client.messages.slice(before).reduce((sum, message) => sum + JSON.stringify(message).length, 0);
        }
      } finally {
        clearInterval(keepAlive);
      }
      const rssGrowth = residentBytes(busy.process.pid!) - rssBefore;
      process.stdout.write(
        `${(notifiedBytes / 2 ** 20).toFixed(1)} MiB of notifications for the stalled client until it was cut (or 40 s passed); server RSS grew ${(rssGrowth / 2 ** 20).toFixed(1)} MiB\n`,
      );
      expect(sawDisconnect(observer.client, stalled.peerId)).toBe(true);
      // The server held at most the bound (plus the frame that crossed it) for the client before cutting it.
      const held = /"reason":"not reading".*?"bufferedAmount":(\d+)/.exec(busy.output())?.[1];
      expect(Number(held)).toBeGreaterThan(MAX_SEND_BUFFER_BYTES);
      expect(Number(held)).toBeLessThan(MAX_SEND_BUFFER_BYTES + 64 * 1024);
      for (const churner of noisy) churner.close();
      observer.client.close();
    } finally {
      await busy.stop();
    }
  }, 90_000);
});

describe('a client that vanishes without closing', () => {
  test('is shown as disconnected to others within the idle timeout plus a few seconds', async () => {
    const proxy = await StallingProxy.start(server.port);
    try {
      const alice = await joined(proxy.url, 'vanish', 'Alice');
      const bob = await joined(server.url, 'vanish', 'Bob');
      // Alice's network disappears: no FIN, no RST, nothing gets through any more, in either direction.
      proxy.cut();
      const cutAt = Date.now();
      await waitUntil(() => sawDisconnect(bob.client, alice.peerId), 'Bob to see Alice disconnected', IDLE_TIMEOUT_MS + 5_000);
      process.stdout.write(`vanished client shown disconnected ${Date.now() - cutAt} ms after its network went away\n`);
      bob.client.close();
    } finally {
      proxy.close();
    }
  }, 60_000);
});

/** A client that joins and leaves a room as fast as the server answers, reading every reply. */
class Churner {
  readonly #socket: WebSocket;
  #replies = 0;
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      if (String(data).includes('"ok":')) this.#replies++;
    });
  }

  static async open(baseUrl: string): Promise<Churner> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const churner = new Churner(socket);
    churner.#send('hello', { protocolVersion: PROTOCOL_VERSION });
    await churner.#settled();
    return churner;
  }

  /** `times` join + leave pairs, sent at once; resolves when all are answered. */
  async joinAndLeave(room: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      this.#send('join', { room, name: `Someone with a rather long name ${i % 10}`.slice(0, 40) });
      this.#send('leave', {});
    }
    await this.#settled();
  }

  close(): void {
    this.#socket.close();
  }

  #send(method: string, data: unknown): void {
    this.#socket.send(JSON.stringify({ id: this.#nextId++, method, data }));
  }

  #settled(): Promise<void> {
    return waitUntil(() => this.#replies === this.#nextId - 1, 'replies to every request', 15_000);
  }
}

/** A TCP proxy in front of the server whose `cut` makes the link go silent, as a phone leaving Wi-Fi range does. */
class StallingProxy {
  readonly url: string;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #cut = false;

  private constructor(server: net.Server, port: number) {
    this.#server = server;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(targetPort: number): Promise<StallingProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new StallingProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        proxy.#sockets.add(socket);
        socket.on('error', () => {});
      }
      // After the cut, whatever arrives is swallowed and nothing is closed: neither side learns anything.
      client.on('data', (chunk) => proxy.#cut || upstream.write(chunk));
      upstream.on('data', (chunk) => proxy.#cut || client.write(chunk));
    });
    return proxy;
  }

  cut(): void {
    this.#cut = true;
  }

  close(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.close();
  }
}
