import type { Redis } from 'ioredis';
import { ClusterBus } from '../cluster/bus.ts';
import { RoomFederation } from '../cluster/federation.ts';
import { connectRedis } from '../cluster/redis.ts';
import { ServerRegistry } from '../cluster/registry.ts';
import type { RoomListener } from '../cluster/roomListeners.ts';
import type { Config } from '../config.ts';
import { createTestServices } from './fakes.ts';

/** One server of a service, in this process: its own workers, rooms, and Redis connections (two: one subscribes). */
export type ClusterServer = {
  serverId: string;
  bus: ClusterBus;
  services: Awaited<ReturnType<typeof createTestServices>>;
  federation: RoomFederation;
  registry: ServerRegistry;
  connections: Redis[];
  /** Leaves the service and closes its workers. */
  stop(): void;
};

/** More of the service a test wants, following this server's rooms beside the federation (started with it). */
export type ExtraListener = RoomListener & { start(): Promise<void> };
export type ExtraListeners = (server: { bus: ClusterBus; commands: Redis; federation: RoomFederation }) => ExtraListener[];

/** Starts a server of the service that Redis at `redisUrl` holds together, media links on loopback. */
export async function startClusterServer(
  redisUrl: string,
  serverId: string,
  overrides: Partial<Config> = {},
  extraListeners: ExtraListeners = () => [],
): Promise<ClusterServer> {
  const commands = connectRedis(redisUrl, 'commands');
  const subscriber = connectRedis(redisUrl, 'subscriber');
  await Promise.all([commands.connect(), subscriber.connect()]);
  const bus = new ClusterBus(serverId, commands, subscriber);
  const registry = new ServerRegistry(commands, bus, '127.0.0.1');
  const federation = new RoomFederation(bus, registry, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: true });
  const extras = extraListeners({ bus, commands, federation });
  const services = await createTestServices(overrides, undefined, [federation, ...extras]);
  await federation.start();
  for (const extra of extras) await extra.start();
  await registry.start();
  const connections = [commands, subscriber];
  const stop = () => {
    registry.stop().catch(() => {});
    for (const connection of connections) connection.disconnect();
    services.pool.close();
  };
  return { serverId, bus, services, federation, registry, connections, stop };
}
