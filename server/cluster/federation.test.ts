import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { startRedis, type RunningRedis } from '../../test/support/redis.ts';
import { consume, produceFake, setUpMedia } from '../testing/fakeMedia.ts';
import { createTestServices, FakeClient, joinWithMedia } from '../testing/fakes.ts';
import { ClusterBus } from './bus.ts';
import { RoomFederation } from './federation.ts';
import { connectRedis } from './redis.ts';
import { ServerRegistry } from './registry.ts';

/*
 * Two servers of one service in this process, each with its own mediasoup worker, room registry and Redis
 * connections (a real redis-server between them): people of one room on either server see each other, and the
 * producers of one are consumed on the other through the media link between the servers' routers.
 */

let redis: RunningRedis;
type ClusterServer = {
  serverId: string;
  services: Awaited<ReturnType<typeof createTestServices>>;
  federation: RoomFederation;
  registry: ServerRegistry;
  connections: Redis[];
};
const servers: ClusterServer[] = [];

async function clusterServer(serverId: string): Promise<ClusterServer> {
  const commands = connectRedis(redis.url, 'commands');
  const subscriber = connectRedis(redis.url, 'subscriber');
  await Promise.all([commands.connect(), subscriber.connect()]);
  const bus = new ClusterBus(serverId, commands, subscriber);
  const registry = new ServerRegistry(commands, bus, '127.0.0.1');
  const federation = new RoomFederation(bus, registry, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: true });
  const services = await createTestServices({}, undefined, [federation]);
  await federation.start();
  await registry.start();
  const server = { serverId, services, federation, registry, connections: [commands, subscriber] };
  servers.push(server);
  return server;
}

type Joined = Awaited<ReturnType<typeof joinWithMedia>>;
type Publication = { id: string; source: string; paused: boolean };
type PeerInfo = { id: string; name: string; publications: Publication[] };

/** What a person was told about the room: the join reply's peers, then every notification since, in order. */
function peopleSeenBy(person: Joined): Map<string, PeerInfo> {
  const seen = new Map<string, PeerInfo>();
  for (const peer of person.joined.peers as PeerInfo[]) seen.set(peer.id, structuredClone(peer));
  for (const message of person.client.sent) {
    const data = message.data as Record<string, unknown>;
    if (message.method === 'peerJoined') {
      const peer = data.peer as PeerInfo;
      seen.set(peer.id, structuredClone(peer));
    } else if (message.method === 'peerLeft') {
      seen.delete(data.peerId as string);
    } else if (message.method === 'producerAdded') {
      seen.get(data.peerId as string)?.publications.push(data.publication as Publication);
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

const publicationsOf = (viewer: Joined, peerId: string) => peopleSeenBy(viewer).get(peerId)?.publications ?? [];

beforeAll(async () => {
  redis = await startRedis();
  await clusterServer('server-1');
  await clusterServer('server-2');
}, 30_000);
afterAll(async () => {
  for (const server of servers) {
    server.registry.stop().catch(() => {});
    for (const connection of server.connections) connection.disconnect();
    server.services.pool.close();
  }
  await redis.stop();
});

describe('people of one room on two servers', () => {
  test('see each other, consume each other’s producers through the link, and follow pauses, ends and leaving', async () => {
    const [one, two] = servers as [ClusterServer, ClusterServer];
    const ann = await joinWithMedia(one.services, 'across', 'Ann');
    const camera = await produceFake(ann.client, ann.sendTransportId, 'cam');
    const mic = await produceFake(ann.client, ann.sendTransportId, 'mic');

    const joinedAt = performance.now();
    const bob = await joinWithMedia(two.services, 'across', 'Bob');
    await waitUntil(() => publicationsOf(bob, ann.peerId).length === 2, 'Bob to be told of Ann and her camera and mic', 10_000);
    const toldMs = performance.now() - joinedAt;
    expect(peopleSeenBy(bob).get(ann.peerId)?.name).toBe('Ann');
    expect(publicationsOf(bob, ann.peerId).map((publication) => publication.id).sort()).toEqual([camera, mic].sort());
    // …and Ann of Bob, on her server.
    await waitUntil(() => peopleSeenBy(ann).get(bob.peerId)?.name === 'Bob', 'Ann to be told of Bob', 10_000);

    // Bob consumes Ann's camera like a local one's: the consumer names her.
    const consumed = await bob.client.request('consume', { producerId: camera });
    expect(consumed).toMatchObject({ ok: true, data: { producerId: camera, peerId: ann.peerId, source: 'cam', kind: 'video' } });
    const bobRoom = (await two.services.rooms.find('across'))!;
    const bobsConsumer = bobRoom.peers.get(bob.peerId)!.consumers.get((consumed.data as { consumerId: string }).consumerId)!;
    process.stdout.write(`server 2 told of a server-1 producer ${toldMs.toFixed(0)} ms after the join began\n`);

    // Someone joining server 2 later finds Ann and her publications in the join reply.
    const cat = await joinWithMedia(two.services, 'across', 'Cat');
    const annForCat = (cat.joined.peers as PeerInfo[]).find((peer) => peer.id === ann.peerId);
    expect(annForCat?.name).toBe('Ann');
    expect(annForCat?.publications.map((publication) => publication.id).sort()).toEqual([camera, mic].sort());

    // Ann pauses and resumes her camera: Bob is told, and his consumer follows.
    await ann.client.request('pauseProducer', { producerId: camera });
    await waitUntil(() => publicationsOf(bob, ann.peerId).find((p) => p.id === camera)?.paused === true, 'the pause to reach Bob', 10_000);
    expect(bobsConsumer.producerPaused).toBe(true);
    await ann.client.request('resumeProducer', { producerId: camera });
    await waitUntil(() => publicationsOf(bob, ann.peerId).find((p) => p.id === camera)?.paused === false, 'the resume to reach Bob', 10_000);
    expect(bobsConsumer.producerPaused).toBe(false);

    // Ann stops her camera: Bob's consumer closes and he is told both ways.
    await ann.client.request('closeProducer', { producerId: camera });
    await waitUntil(() => bob.client.notifications('consumerClosed').length === 1, 'Bob’s consumer to close', 10_000);
    expect(bob.client.notifications('consumerClosed')[0]?.data).toEqual({ consumerId: bobsConsumer.id });
    expect(publicationsOf(bob, ann.peerId).map((publication) => publication.id)).toEqual([mic]);
    expect(bobsConsumer.closed).toBe(true);
    expect((await bob.client.request('consume', { producerId: camera })).error?.code).toBe('not_found');

    // Bob's own camera reaches Ann the other way.
    const bobsCamera = await produceFake(bob.client, bob.sendTransportId, 'cam');
    await waitUntil(() => publicationsOf(ann, bob.peerId).some((p) => p.id === bobsCamera), 'Bob’s camera to reach Ann', 10_000);
    expect(await consume(ann.client, bobsCamera)).toBeTruthy();

    // Bob leaves: Ann is told, and his camera goes with him.
    await bob.client.request('leave');
    await waitUntil(() => !peopleSeenBy(ann).has(bob.peerId), 'Ann to see Bob leave', 10_000);
    expect(ann.client.notifications('producerClosed').map((message) => (message.data as { producerId: string }).producerId)).toContain(bobsCamera);
    expect(peopleSeenBy(cat).has(ann.peerId)).toBe(true);
    await cat.client.request('leave');
    await ann.client.request('leave');
  }, 30_000);

  test('without shared meetings (no SharedAccess: see sharedAccess.test.ts), a room with a password is a meeting of its own on its server: nobody elsewhere sees in, nor out', async () => {
    const [one, two] = servers as [ClusterServer, ClusterServer];
    const locked = new FakeClient(one.services);
    const lockedJoin = await locked.join('private', 'Lou', { password: 'correct horse battery' });
    await setUpMedia(locked, lockedJoin.routerRtpCapabilities);
    const bob = await joinWithMedia(two.services, 'private', 'Bob');
    // A later room across the same two servers goes through: by then the first one's messages were heard too.
    const witness = await joinWithMedia(one.services, 'witness', 'Wes');
    const viewer = await joinWithMedia(two.services, 'witness', 'Vi');
    await waitUntil(() => peopleSeenBy(viewer).has(witness.peerId), 'the witness room to connect', 10_000);
    await waitUntil(() => peopleSeenBy(witness).has(viewer.peerId), 'the witness room to connect both ways', 10_000);
    expect([...peopleSeenBy(bob).keys()]).toEqual([]);
    expect(locked.notifications('peerJoined')).toEqual([]);
    expect((await one.services.rooms.find('private'))?.remote?.infos()).toEqual([]);
    for (const person of [locked, bob.client, witness.client, viewer.client]) await person.request('leave');
  }, 30_000);

  test('a server that dies (its heartbeats stop): its people leave the room on the other server, their media with them', async () => {
    const [one, two] = servers as [ClusterServer, ClusterServer];
    const ann = await joinWithMedia(one.services, 'doomed-link', 'Ann');
    const camera = await produceFake(ann.client, ann.sendTransportId, 'cam');
    const bob = await joinWithMedia(two.services, 'doomed-link', 'Bob');
    await waitUntil(() => publicationsOf(bob, ann.peerId).length === 1, 'Bob to see Ann’s camera', 10_000);
    const consumerId = await consume(bob.client, camera);

    // Server 1 drops off Redis without a word, as a crashed process does.
    const diedAt = performance.now();
    for (const connection of one.connections) connection.disconnect();
    await waitUntil(() => !peopleSeenBy(bob).has(ann.peerId), 'Ann to leave Bob’s room', 15_000);
    process.stdout.write(`a dead server's people left the other server's room ${(performance.now() - diedAt).toFixed(0)} ms after it went silent\n`);
    expect(bob.client.notifications('consumerClosed').map((message) => message.data)).toContainEqual({ consumerId });
    const bobRoom = (await two.services.rooms.find('doomed-link'))!;
    expect(bobRoom.remote?.infos()).toEqual([]);
    expect((await bob.client.request('consume', { producerId: camera })).error?.code).toBe('not_found');
  }, 30_000);
});
