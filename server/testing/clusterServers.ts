import type { Redis } from 'ioredis';
import { ClusterBus } from '../cluster/bus.ts';
import { RoomDirectory } from '../cluster/directory.ts';
import { RoomFederation } from '../cluster/federation.ts';
import { connectRedis } from '../cluster/redis.ts';
import { ServerRegistry } from '../cluster/registry.ts';
import { RoomHosting } from '../cluster/roomHosting.ts';
import { createTestServices, type joinWithMedia } from './fakes.ts';

/*
 * Servers of one service inside one test process: each with its own mediasoup worker, room registry and Redis
 * connections, talking through a real redis-server (test/support/redis.ts).
 */

export type ClusterServer = {
  serverId: string;
  services: Awaited<ReturnType<typeof createTestServices>>;
  bus: ClusterBus;
  federation: RoomFederation;
  registry: ServerRegistry;
  commands: Redis;
  subscriber: Redis;
  stop(): void;
};

/** `through`: where its command or subscriber connection goes instead (e.g. a proxy a test cuts); Redis by default. */
export async function startClusterServer(
  serverId: string,
  redisUrl: string,
  through: { commands?: string; subscriber?: string } = {},
): Promise<ClusterServer> {
  const commands = connectRedis(through.commands ?? redisUrl, 'commands');
  const subscriber = connectRedis(through.subscriber ?? redisUrl, 'subscriber');
  await Promise.all([commands.connect(), subscriber.connect()]);
  const bus = new ClusterBus(serverId, commands, subscriber);
  const registry = new ServerRegistry(commands, bus, '127.0.0.1');
  const directory = new RoomDirectory(commands, registry);
  const hosting = new RoomHosting(directory);
  const linkOptions = { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: true };
  const federation = new RoomFederation(bus, registry, linkOptions, directory);
  const services = await createTestServices({}, undefined, [hosting, federation]);
  await federation.start();
  await registry.start();
  const stop = () => {
    hosting.stop();
    registry.stop().catch(() => {});
    commands.disconnect();
    subscriber.disconnect();
    services.pool.close();
  };
  return { serverId, services, bus, federation, registry, commands, subscriber, stop };
}

type Joined = Awaited<ReturnType<typeof joinWithMedia>>;
export type SeenPublication = { id: string; source: string; paused: boolean };
export type SeenPeer = { id: string; name: string; publications: SeenPublication[] };

/** What a person was told about the room: the join reply's peers, then every notification since, in order. */
export function peopleSeenBy(person: Joined): Map<string, SeenPeer> {
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
