import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeChunkFrame, encodeChunkFrame, FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import { waitUntil } from '../../test/support/poll.ts';
import { consume, produceFake } from '../testing/fakeMedia.ts';
import { createTestServices, joinWithMedia } from '../testing/fakes.ts';
import { metricsReader } from '../testing/metrics.ts';
import type { TransportAppData } from './peer.ts';
import type { Room } from './room.ts';

/*
 * One room over two real mediasoup workers: each peer on the least loaded one, the room's routers joined with
 * pipeToRouter. A browser's SCTP association cannot be made in Node, so where a test needs data frames to flow, a
 * peer's browser is played by a DirectTransport on that peer's own router: the frames still cross the pipes.
 */

type Services = Awaited<ReturnType<typeof createTestServices>>;
type Joined = Awaited<ReturnType<typeof joinWithMedia>>;

let services: Services;
let metric: (series: string) => Promise<number>;

beforeAll(async () => {
  services = await createTestServices({ workers: 2 });
  metric = metricsReader(services);
});
afterAll(() => services.pool.close());

/** Joins `names` one after the other into `room`, each with its transports made. */
async function joinAll(on: Services, room: string, names: string[]): Promise<{ people: Joined[]; room: Room }> {
  const people: Joined[] = [];
  for (const name of names) people.push(await joinWithMedia(on, room, name));
  return { people, room: (await on.rooms.find(room))! };
}

const workerOf = (room: Room, person: Joined) => room.routers.of(person.peerId).slot.index;
const leaveAll = (people: Joined[]) => Promise.all(people.map((person) => person.client.request('leave')));

describe('peers of one room', () => {
  test('go to the least loaded worker, so the room spans both; /metrics shows peers per worker and the routers', async () => {
    const { people, room } = await joinAll(services, 'span', ['Ann', 'Bob', 'Cat', 'Dan']);
    expect(people.map((person) => workerOf(room, person))).toEqual([0, 1, 0, 1]);
    expect(room.routers.slots).toHaveLength(2);
    expect(await metric('huddle_worker_peers{worker="0"}')).toBe(2);
    expect(await metric('huddle_worker_peers{worker="1"}')).toBe(2);
    expect(await metric('huddle_routers')).toBe(2);
    // The join reply's capabilities hold on the other router too: same codecs, same payload types.
    const other = room.routers.of(people[1]!.peerId).router;
    expect(other).not.toBe(room.router);
    expect(other.rtpCapabilities).toEqual(room.router.rtpCapabilities);

    // The last one to leave a worker closes the room's router there; the home router stays with the room.
    await leaveAll([people[1]!, people[3]!]);
    expect(other.closed).toBe(true);
    expect(room.routers.slots).toHaveLength(1);
    expect(await metric('huddle_worker_peers{worker="1"}')).toBe(0);
    await leaveAll([people[0]!, people[2]!]);
    expect(room.router.closed).toBe(true);
  });
});

describe('media across workers', () => {
  test('a consumer on worker B of a producer on worker A: piped once for all of B, and closed with the producer', async () => {
    const { people, room } = await joinAll(services, 'pipe', ['Ann', 'Bob', 'Cat', 'Dan']);
    const [ann, bob, cat, dan] = people as [Joined, Joined, Joined, Joined];
    expect([ann, bob, cat, dan].map((person) => workerOf(room, person))).toEqual([0, 1, 0, 1]);
    const camera = await produceFake(ann.client, ann.sendTransportId, 'cam');

    // Bob and Dan (worker 1) ask at once: one pipe, made once, carries Ann's camera to both.
    const startedAt = performance.now();
    const [bobConsumer, danConsumer] = await Promise.all([consume(bob.client, camera), consume(dan.client, camera)]);
    const pipedMs = performance.now() - startedAt;
    const catStartedAt = performance.now();
    const catConsumer = await consume(cat.client, camera); // same worker as Ann: no pipe
    const sameWorkerMs = performance.now() - catStartedAt;
    process.stdout.write(`consume across workers (pipe made) ${pipedMs.toFixed(1)} ms, on the same worker ${sameWorkerMs.toFixed(1)} ms\n`);
    expect(await metric('huddle_pipes{kind="media"}')).toBe(1);
    const bobPeer = room.peers.get(bob.peerId)!;
    expect(bobPeer.consumers.get(bobConsumer)!.producerId).toBe(camera);

    // Paused at the source, paused on the far side: the pipe carries that too.
    expect(await ann.client.request('pauseProducer', { producerId: camera })).toMatchObject({ ok: true });
    await waitUntil(() => bobPeer.consumers.get(bobConsumer)!.producerPaused, 'the far consumer sees the pause');

    // Ann stops her camera: the pipe closes with it, and the consumers on the far worker are told.
    expect(await ann.client.request('closeProducer', { producerId: camera })).toMatchObject({ ok: true });
    const closedFor = (person: Joined) => person.client.notifications('consumerClosed').map((message) => (message.data as { consumerId: string }).consumerId);
    await waitUntil(() => closedFor(bob).includes(bobConsumer) && closedFor(dan).includes(danConsumer), 'consumerClosed on worker 1');
    await waitUntil(() => closedFor(cat).includes(catConsumer), 'consumerClosed on worker 0');
    expect(await metric('huddle_pipes{kind="media"}')).toBe(0);
    await leaveAll(people);
  });

  test('mics on the other worker are piped to the home router: its speaker observer hears everyone', async () => {
    const { people, room } = await joinAll(services, 'speak', ['Ann', 'Bob']);
    const [ann, bob] = people as [Joined, Joined];
    expect(workerOf(room, bob)).not.toBe(workerOf(room, ann));
    const micId = await produceFake(bob.client, bob.sendTransportId, 'mic');
    const [observerId] = (await room.router.dump()).rtpObserverIds;
    const observersOf = async (producerId: string) =>
      (await room.router.dump()).mapProducerIdObserverIds.find((entry) => entry.key === producerId)?.values ?? [];
    await waitUntil(async () => (await observersOf(micId)).includes(observerId!), 'Bob’s mic in the home router’s observer');
    expect(await metric('huddle_pipes{kind="media"}')).toBe(1);
    await leaveAll(people);
  });
});

describe('data across workers', () => {
  test('chat frames from a peer on worker B reach the server, and the feed reaches peers on both workers', async () => {
    const { people, room } = await joinAll(services, 'chat-span', ['Ann', 'Bob']);
    const [ann, bob] = people as [Joined, Joined];
    expect(workerOf(room, bob)).not.toBe(workerOf(room, ann));
    const feedId = ann.joined.chat.dataProducerId;
    const received = new Map<string, string[]>();
    for (const person of [ann, bob]) {
      const peer = room.peers.get(person.peerId)!;
      const browser = await room.routers.of(person.peerId).router.createDirectTransport();
      const consumer = await room.data.consume(peer, feedId, browser);
      received.set(person.peerId, []);
      consumer.on('message', (payload) => received.get(person.peerId)!.push(JSON.parse(payload.toString()).message.id));
    }
    const bobPeer = room.peers.get(bob.peerId)!;
    const bobBrowser = await room.routers.of(bob.peerId).router.createDirectTransport<TransportAppData>({ appData: { direction: 'send' } });
    const chat = await room.data.produce(bobPeer, bobBrowser, { label: 'chat', sctpStreamParameters: { streamId: 0, ordered: true } });
    expect(await metric('huddle_pipes{kind="data"}')).toBe(2); // the feed to worker 1, Bob's chat to the home router

    const ids = Array.from({ length: 20 }, (_, index) => `across-${index}`);
    for (const id of ids) chat.send(JSON.stringify({ type: 'send', id, text: id }));
    await waitUntil(() => [...received.values()].every((got) => got.length === ids.length), 'every message at Ann and Bob');
    expect(received.get(ann.peerId)).toEqual(ids);
    expect(received.get(bob.peerId)).toEqual(ids);
    const history = (await ann.client.request('chatHistory', { afterSeq: 0, limit: 50 })).data as { messages: { id: string }[] };
    expect(history.messages.map((message) => message.id)).toEqual(ids);
    await leaveAll(people);
    expect(await metric('huddle_pipes{kind="data"}')).toBe(0);
  });

  test('a file link from a peer on worker A reaches its audience on both workers, and no one else', async () => {
    const { people, room } = await joinAll(services, 'file-span', ['Ann', 'Bob', 'Cat', 'Dan']);
    const [ann, bob, cat, dan] = people.map((person) => room.peers.get(person.peerId)!) as [NonNullable<ReturnType<typeof room.peers.get>>, ...NonNullable<ReturnType<typeof room.peers.get>>[]];
    const browserOf = (peerId: string) => room.routers.of(peerId).router.createDirectTransport();
    const linkId = room.fileLinks.open(ann, [bob!.id, cat!.id]);
    const producer = await room.fileLinks.produce(ann, await browserOf(ann.id), linkId);
    const received = new Map<string, number[]>();
    for (const peer of [bob!, cat!]) {
      const consumer: types.DataConsumer = await room.fileLinks.consume(peer, producer.id, await browserOf(peer.id));
      received.set(peer.id, []);
      consumer.on('message', (payload: Buffer) => {
        const frame = decodeChunkFrame(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength) as ArrayBuffer);
        received.get(peer.id)!.push(frame!.offset);
      });
    }
    await expect(room.fileLinks.consume(dan!, producer.id, await browserOf(dan!.id))).rejects.toMatchObject({ code: 'not_found' });
    expect(room.routers.of(bob!.id).slot).not.toBe(room.routers.of(ann.id).slot);
    const chunks = 16;
    const payload = new Uint8Array(FILE_CHUNK_SIZE).fill(3);
    for (let index = 0; index < chunks; index++) producer.send(Buffer.from(encodeChunkFrame('0f8fad5b-d9cb-469f-a165-70867728950e', index * FILE_CHUNK_SIZE, payload)));
    const offsets = Array.from({ length: chunks }, (_, index) => index * FILE_CHUNK_SIZE);
    await waitUntil(() => [...received.values()].every((got) => got.length === chunks), 'every chunk at Bob and Cat');
    expect(received.get(bob!.id)).toEqual(offsets);
    expect(received.get(cat!.id)).toEqual(offsets);
    await leaveAll(people);
  });
});
