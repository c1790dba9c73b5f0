import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type RunningRedis } from '../../test/support/redis.ts';
import { ClusterBus } from '../cluster/bus.ts';
import { connectRedis } from '../cluster/redis.ts';

/** A redis-server of one test file's own (its own port and directory), and what the file's tests opened on it. */
export type FileRedis = {
  /** The running redis-server: another one after `restart`, on the same port. */
  readonly server: RunningRedis;
  readonly url: string;
  /**
   * A connection of the test's own (one server's store or bus, or to read keys and forge messages), closed after the
   * file; `url`: where it goes instead of Redis (a proxy in front of it).
   */
  connect(role?: string, url?: string): Promise<Redis>;
  /** The bus of server `serverId` as a server has it: its own two connections (commands, and subscriptions). */
  bus(serverId: string, through?: { commands?: string; subscriber?: string }): Promise<{ bus: ClusterBus; commands: Redis; subscriber: Redis }>;
  /** Starts it again on its port and directory after a test killed it (`server.kill()`): Redis coming back. */
  restart(): Promise<void>;
  /** Runs `stop` after the file's tests, before the connections close and Redis stops (a server of the service). */
  atEnd(stop: () => unknown): void;
};

/**
 * Starts a redis-server before the test file's tests and stops it after them, with every connection and server the
 * tests opened through it. `appendOnly` keeps every write on disk, so a restarted one comes back with it.
 *
 * @example
 * const redis = useRedis();
 * test('…', async () => { const connection = await redis.connect(); … });
 */
export function useRedis(options: { appendOnly?: boolean } = {}): FileRedis {
  let running: RunningRedis | undefined;
  const connections: Redis[] = [];
  const stops: (() => unknown)[] = [];
  beforeAll(async () => {
    running = await startRedis(options);
  }, 30_000);
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    for (const connection of connections) connection.disconnect();
    await running?.stop();
  });
  const server = () => {
    if (!running) throw new Error('Redis is started before the file’s tests: use it inside beforeAll or a test');
    return running;
  };
  return {
    get server() {
      return server();
    },
    get url() {
      return server().url;
    },
    async connect(role = 'test', url = server().url) {
      const connection = connectRedis(url, role);
      connections.push(connection);
      await connection.connect();
      return connection;
    },
    async bus(serverId, through = {}) {
      const [commands, subscriber] = await Promise.all([this.connect('commands', through.commands), this.connect('subscriber', through.subscriber)]);
      return { bus: new ClusterBus(serverId, commands, subscriber), commands, subscriber };
    },
    async restart() {
      running = await startRedis({ restartOf: server() });
    },
    atEnd(stop) {
      stops.push(stop);
    },
  };
}
