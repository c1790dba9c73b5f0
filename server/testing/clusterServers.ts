import type { Redis } from 'ioredis';
import { beforeAll } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcpProxy.ts';
import { PasswordGuard } from '../access/passwordGuard.ts';
import { RedisChatStore } from '../chat/redisStore.ts';
import type { ChatStore } from '../chat/store.ts';
import { ClusterBus } from '../cluster/bus.ts';
import { RoomDirectory } from '../cluster/directory.ts';
import { RoomFederation } from '../cluster/federation.ts';
import { MeetingStore } from '../cluster/meetingStore.ts';
import { ServerRegistry } from '../cluster/registry.ts';
import { RoomHosting } from '../cluster/roomHosting.ts';
import type { RoomListener } from '../cluster/roomListeners.ts';
import { SharedAccess } from '../cluster/sharedAccess.ts';
import { RedisFailures } from '../cluster/sharedFailures.ts';
import type { Config } from '../config.ts';
import { createTestServices, type joinWithMedia } from './fakes.ts';
import { useRedis, type FileRedis } from './redis.ts';

/*
 * Servers of one service inside one test process, wired as server/index.ts wires them: each with its own mediasoup
 * workers, room registry and Redis connections, the room directory and the federation of rooms, talking through a
 * real redis-server of the test file's own (server/testing/redis.ts).
 */

/** More of the service a test wants, following the server's rooms after the federation (started with it). */
export type ExtraListener = RoomListener & { start(): Promise<void> };

export type ServerOptions = {
  /** mediasoup workers (1 by default): with 2, a room's second person sits off its home router. */
  workers?: number;
  /** Its command and subscriber connections each go through a TCP proxy (`proxies`) that a test can cut. */
  proxied?: boolean;
  /**
   * Rooms' meetings one across the service (SharedAccess, holds of `leaseMs`), with what goes with them in a
   * service: wrong passwords counted in Redis, one invite secret, chat history in Redis. Without it a room with a
   * password is a meeting of its own on each server.
   */
  meetings?: { leaseMs?: number };
  /** Listeners of its own rooms beside the federation (e.g. ClusterFiles). */
  listeners?: (server: { serverId: string; bus: ClusterBus; commands: Redis; federation: RoomFederation }) => ExtraListener[];
};

export type ClusterServer = {
  serverId: string;
  services: Awaited<ReturnType<typeof createTestServices>>;
  bus: ClusterBus;
  federation: RoomFederation;
  registry: ServerRegistry;
  /** With `meetings`. */
  access?: SharedAccess;
  commands: Redis;
  subscriber: Redis;
  /** With `proxied`: what its connections go through. */
  proxies?: { commands: TcpProxy; subscriber: TcpProxy };
  /** Leaves the service and closes its workers (and proxies). */
  stop(): Promise<void>;
};

/** Starts a server of the service that `redis` holds together, media links on loopback. */
export async function startClusterServer(serverId: string, redis: FileRedis, options: ServerOptions = {}): Promise<ClusterServer> {
  const proxies = options.proxied
    ? { commands: await startTcpProxy(redis.server.port), subscriber: await startTcpProxy(redis.server.port) }
    : undefined;
  const through = (proxy: TcpProxy | undefined) => (proxy ? `redis://127.0.0.1:${proxy.port}` : undefined);
  const { bus, commands, subscriber } = await redis.bus(serverId, { commands: through(proxies?.commands), subscriber: through(proxies?.subscriber) });
  const registry = new ServerRegistry(commands, bus, '127.0.0.1');
  const directory = new RoomDirectory(commands, registry);
  const hosting = new RoomHosting(directory);
  const federation = new RoomFederation(bus, registry, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: true }, directory);
  const access = options.meetings ? new SharedAccess(new MeetingStore(commands, serverId, options.meetings.leaseMs)) : undefined;
  // As server/index.ts does: a room whose hold lapsed says who is here again once it is renewed.
  access?.onRegained((room) => {
    const shared = federation.shared(room.id);
    if (shared?.room === room) shared.announce();
  });
  const extras = options.listeners?.({ serverId, bus, commands, federation }) ?? [];
  const listeners = [...(access ? [access] : []), hosting, federation, ...extras];
  // In a service, invites signed on one server are checked on another (one secret), and chat history is in Redis
  // (the SQLite store's type is what createTestServices takes).
  const config: Partial<Config> = {};
  if (options.workers) config.workers = options.workers;
  if (access) config.inviteSecret = 'one secret for the whole service';
  const chatStore = access ? (new RedisChatStore(commands, serverId) as unknown as ChatStore) : undefined;
  const services = await createTestServices(config, chatStore, listeners);
  if (access) {
    services.meetings = access;
    services.passwords = new PasswordGuard(Date.now, new RedisFailures(commands));
  }
  await federation.start();
  for (const extra of extras) await extra.start();
  await registry.start();
  const stop = async () => {
    hosting.stop();
    access?.stop();
    await registry.stop().catch(() => {});
    commands.disconnect();
    subscriber.disconnect();
    services.pool.close();
    await Promise.all([proxies?.commands.close(), proxies?.subscriber.close()]);
  };
  return { serverId, services, bus, federation, registry, access, commands, subscriber, proxies, stop };
}

/** A test file's service: its Redis, and its servers in the order they started (`one`, `two` the first two). */
export type TestService = {
  redis: FileRedis;
  servers: ClusterServer[];
  readonly one: ClusterServer;
  readonly two: ClusterServer;
  /** Another server, stopped after the file's tests like the first ones. */
  start(serverId: string, options?: ServerOptions): Promise<ClusterServer>;
};

/**
 * A redis-server of the test file's own and `servers` servers of one service on it (`server-1`, `server-2`, …),
 * started before the file's tests with `options`, stopped after them.
 *
 * @example
 * const service = useClusterServers({ workers: 2 });
 * test('…', async () => { const { one, two } = service; … });
 */
export function useClusterServers(options: ServerOptions & { servers?: number; appendOnly?: boolean } = {}): TestService {
  const { servers: count = 2, appendOnly, ...serverOptions } = options;
  const redis = useRedis({ appendOnly });
  const servers: ClusterServer[] = [];
  const nth = (index: number) => {
    const server = servers[index];
    if (!server) throw new Error(`server ${index + 1} of the service has not started`);
    return server;
  };
  const service: TestService = {
    redis,
    servers,
    get one() {
      return nth(0);
    },
    get two() {
      return nth(1);
    },
    async start(serverId, startOptions = {}) {
      const server = await startClusterServer(serverId, redis, startOptions);
      servers.push(server);
      redis.atEnd(server.stop);
      return server;
    },
  };
  beforeAll(async () => {
    for (let index = 1; index <= count; index++) await service.start(`server-${index}`, serverOptions);
  }, 30_000);
  return service;
}

type Joined = Awaited<ReturnType<typeof joinWithMedia>>;
export type SeenPublication = { id: string; source: string; paused: boolean };
export type SeenPeer = { id: string; name: string; publications: SeenPublication[] };

/** What a person was told about the room: the join reply's peers, then every notification since, in order. */
export function peopleSeenBy(person: Pick<Joined, 'client'> & { joined: { peers: unknown[] } }): Map<string, SeenPeer> {
  const seen = new Map<string, SeenPeer>();
  for (const peer of person.joined.peers as SeenPeer[]) seen.set(peer.id, structuredClone(peer));
  for (const message of person.client.sent) {
    const data = message.data as Record<string, unknown>;
    if (message.method === 'peerJoined') {
      const peer = data.peer as SeenPeer;
      seen.set(peer.id, structuredClone(peer));
    } else if (message.method === 'peerLeft') {
      seen.delete(data.peerId as string);
    } else if (message.method === 'producerAdded') {
      seen.get(data.peerId as string)?.publications.push(data.publication as SeenPublication);
    } else if (message.method === 'producerClosed') {
      const peer = seen.get(data.peerId as string);
      if (peer) peer.publications = peer.publications.filter((publication) => publication.id !== data.producerId);
    } else if (message.method === 'producerPausedChanged') {
      const publication = seen.get(data.peerId as string)?.publications.find((candidate) => candidate.id === data.producerId);
      if (publication) publication.paused = data.paused as boolean;
    }
  }
  return seen;
}

export const publicationsOf = (viewer: Joined, peerId: string) => peopleSeenBy(viewer).get(peerId)?.publications ?? [];
