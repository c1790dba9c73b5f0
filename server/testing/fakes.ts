import { InviteSigner } from '../access/invites.ts';
import { PasswordGuard } from '../access/passwordGuard.ts';
import { chatRoomEvents } from '../chat/roomEvents.ts';
import { ChatService } from '../chat/service.ts';
import { ChatStore } from '../chat/store.ts';
import { withRoomListeners, type RoomListener } from '../cluster/roomListeners.ts';
import { loadConfig, type Config } from '../config.ts';
import { Connection, type SocketLike } from '../signaling/connection.ts';
import { KeyedRateLimiter } from '../signaling/rateLimit.ts';
import type { Services } from '../signaling/context.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { setUpMedia } from './fakeMedia.ts';
import { RoomRegistry } from '../sfu/rooms.ts';
import { WorkerPool } from '../sfu/workerPool.ts';

/**
 * A real worker pool and room registry on loopback, for tests of the server logic without a network. The chat
 * history is in memory unless `store` is given (e.g. a file, to test a restart); `roomListeners` follow its rooms
 * (e.g. a server of a service).
 */
export async function createTestServices(
  overrides: Partial<Config> = {},
  store: ChatStore = new ChatStore(':memory:'),
  roomListeners: RoomListener[] = [],
): Promise<Services & { pool: WorkerPool; store: ChatStore }> {
  const config = {
    ...loadConfig({ RTC_LISTEN_IP: '127.0.0.1', RTC_PORT: '0', MEDIASOUP_WORKERS: '1' }),
    ...overrides,
  };
  const pool = await WorkerPool.create(config);
  const joinLimiter = new KeyedRateLimiter(config.joinRatePerMinute, config.joinRatePerMinute / 60);
  const invites = new InviteSigner(config.inviteSecret, config.inviteTtlS);
  const chat = new ChatService(store);
  const events = withRoomListeners(chatRoomEvents(chat), roomListeners);
  const rooms = new RoomRegistry(pool, { events, sctpSendBufferSize: config.sctpSendBufferSize });
  return { config, rooms, pool, joinLimiter, invites, passwords: new PasswordGuard(), chat, store };
}

type Sent = { id?: number | null; ok?: boolean; data?: unknown; error?: { code: string }; method?: string };

/** A socket that records what the server sends, and a client that speaks through it. */
export class FakeClient {
  readonly sent: Sent[] = [];
  readonly connection: Connection;
  /** The server cut this socket. */
  terminated = false;
  /** What the socket holds unsent; a test raises it to play a client that stopped reading. */
  bufferedAmount = 0;
  #nextId = 1;

  /** `remoteAddress`: the client address per-address limits see (a different one is another network). */
  constructor(services: Services, remoteAddress = '127.0.0.1') {
    const client = this;
    const socket: SocketLike = {
      send: (text) => this.sent.push(JSON.parse(text) as Sent),
      terminate: () => {
        this.terminated = true;
        // As with a real socket, the close event comes a little later.
        setImmediate(() => this.connection.closed());
      },
      get bufferedAmount() {
        return client.bufferedAmount;
      },
    };
    this.connection = new Connection(socket, services, remoteAddress);
  }

  /** Sends a raw frame and waits for the reply carrying `id` (or, for unparseable frames, the next reply). */
  async raw(text: string, id: number | null = null): Promise<Sent> {
    const before = this.sent.length;
    this.connection.received(text);
    for (let waited = 0; waited < 5_000; waited += 5) {
      const reply = this.sent.slice(before).find((message) => 'ok' in message && (id === null || message.id === id));
      if (reply) return reply;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`no reply to ${text.slice(0, 80)}`);
  }

  async request(method: string, data: unknown = {}): Promise<Sent> {
    const id = this.#nextId++;
    return this.raw(JSON.stringify({ id, method, data }), id);
  }

  notifications(method: string): Sent[] {
    return this.sent.filter((message) => message.method === method && !('ok' in message));
  }

  /** Handshake and join in one go; returns the join reply's data. */
  async join(room: string, name: string, extra: Record<string, unknown> = {}) {
    await this.request('hello', { protocolVersion: PROTOCOL_VERSION });
    const reply = await this.request('join', { room, name, ...extra });
    if (!reply.ok) throw new Error(`join failed: ${JSON.stringify(reply.error)}`);
    return reply.data as {
      peerId: string;
      resumeToken: string;
      resumed: boolean;
      routerRtpCapabilities: unknown;
      peers: { id: string }[];
      chat: { dataProducerId: string; lastSeq: number };
    };
  }
}

/** A client joined to `room` with both transports made and connected: ready to produce and consume. */
export async function joinWithMedia(services: Services, room: string, name: string) {
  const client = new FakeClient(services);
  const joined = await client.join(room, name);
  const media = await setUpMedia(client, joined.routerRtpCapabilities);
  return { client, joined, peerId: joined.peerId, ...media };
}
