import type { types } from 'mediasoup';
import { describe, expect, test } from 'vitest';
import { decodeChunkFrame, encodeChunkFrame, FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import { waitUntil } from '../../test/support/poll.ts';
import type { Room } from '../sfu/room.ts';
import { SharedRoom } from './sharedRoom.ts';
import { useClusterServers } from '../testing/clusterServers.ts';
import { produceFake } from '../testing/fakeMedia.ts';
import { joinWithMedia } from '../testing/fakes.ts';

/*
 * File links between two servers of one service in this process (a real redis-server between them, two mediasoup
 * workers each, so links are piped to and from the home routers as they would be). A browser's SCTP association
 * cannot be made in Node: where frames must flow, a person's browser is played by a DirectTransport on their own
 * router; the frames still go owner → pipe between the servers → receiver through the mediasoup workers.
 */

const service = useClusterServers({ workers: 2 });

const TRANSFER = '0f8fad5b-d9cb-469f-a165-70867728950e';
type Joined = Awaited<ReturnType<typeof joinWithMedia>>;
type LinkOpened = { linkId: string; dataProducerId: string; from: string };

/**
 * Dan and Ann on server 1, Cat and Bob on server 2, each seeing the other server's people. `beforeServerTwo` runs
 * once the room is open on server 1 only.
 */
async function fourPeople(roomName: string, beforeServerTwo = () => {}) {
  const { one, two } = service;
  // Each server puts its second person on its second worker: Ann and Bob sit off their rooms' home routers.
  const dan = await joinWithMedia(one.services, roomName, 'Dan');
  const ann = await joinWithMedia(one.services, roomName, 'Ann');
  beforeServerTwo();
  const cat = await joinWithMedia(two.services, roomName, 'Cat');
  const bob = await joinWithMedia(two.services, roomName, 'Bob');
  const roomOne = (await one.services.rooms.find(roomName))!;
  const roomTwo = (await two.services.rooms.find(roomName))!;
  const sees = (room: Room, people: Joined[]) => people.every((person) => room.remote?.infos().some((info) => info.id === person.peerId));
  await waitUntil(() => sees(roomOne, [bob, cat]) && sees(roomTwo, [ann, dan]), 'both servers to see each other’s people', 10_000);
  const peer = (room: Room, person: Joined) => room.peers.get(person.peerId)!;
  return { ann, bob, cat, dan, roomOne, roomTwo, peer };
}

/** Plays `person`'s browser end: a DirectTransport on their own router. */
const browserOf = (room: Room, person: Joined) => room.routers.of(person.peerId).router.createDirectTransport();

const opened = (person: Joined) => person.client.notifications('fileLinkOpened').map((message) => message.data as LinkOpened);
const readyFor = (person: Joined) => person.client.notifications('fileLinkReady').map((message) => message.data as { linkId: string; peerId: string });

/** Polls every 2 ms: the figures printed below are latencies. */
async function timeUntil(probe: () => boolean, what: string, startedAt: number): Promise<number> {
  const deadline = performance.now() + 10_000;
  while (!probe()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - startedAt;
}

function chunkOffsets(consumer: types.DataConsumer): number[] {
  const offsets: number[] = [];
  consumer.on('message', (payload) => {
    const frame = decodeChunkFrame(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength) as ArrayBuffer);
    offsets.push(frame!.offset);
  });
  return offsets;
}

describe('a file link from a person on server 1', () => {
  test('reaches its audience on server 2 as on one server: told, consumed, every frame in order, its owner told, outsiders refused, closed', async () => {
    const { ann, bob, cat, dan, roomOne, roomTwo, peer } = await fourPeople('files-across');
    expect(roomOne.routers.of(ann.peerId).router).not.toBe(roomOne.router);
    expect(roomTwo.routers.of(bob.peerId).router).not.toBe(roomTwo.router);

    // Bob, on server 2, and Dan, on Ann's server: one link toward both, as the app opens it.
    const reply = await ann.client.request('openFileLink', { audience: [bob.peerId, dan.peerId] });
    expect(reply).toMatchObject({ ok: true });
    const { linkId } = reply.data as { linkId: string };
    const producer = await roomOne.fileLinks.produce(peer(roomOne, ann), await browserOf(roomOne, ann), linkId);
    const told = { linkId, dataProducerId: producer.id, from: ann.peerId };
    await waitUntil(() => opened(bob).length === 1, 'Bob, on server 2, to be told of the link', 10_000);
    expect(opened(bob)).toEqual([told]);
    expect(opened(dan)).toEqual([told]);

    // A new receive transport (his page reloaded): he is told again, as of a link on his own server.
    await bob.client.request('createTransport', { direction: 'recv' });
    await waitUntil(() => opened(bob).length === 2, 'Bob to be told of the link again', 10_000);
    expect(opened(bob)[1]).toEqual(told);

    // Cat, on server 2 but not in the audience, is told nothing and cannot consume it.
    expect(opened(cat)).toEqual([]);
    expect((await cat.client.request('consumeData', { dataProducerId: producer.id })).error?.code).toBe('not_found');
    await expect(roomTwo.fileLinks.consume(peer(roomTwo, cat), producer.id, await browserOf(roomTwo, cat))).rejects.toMatchObject({ code: 'not_found' });

    // Bob consumes: Ann, on server 1, is told he is ready (her app sends nothing before).
    const consumer = await roomTwo.fileLinks.consume(peer(roomTwo, bob), producer.id, await browserOf(roomTwo, bob));
    const atBob = chunkOffsets(consumer);
    await waitUntil(() => readyFor(ann).length === 1, 'Ann to be told Bob is ready', 10_000);
    expect(readyFor(ann)).toEqual([{ linkId, peerId: bob.peerId }]);

    // Sent once told, as her app does, a send window (1 MiB unacknowledged) at a time: every frame reaches Bob, in order.
    const window = 16;
    const payload = new Uint8Array(FILE_CHUNK_SIZE).fill(7);
    for (let index = 0; index < 3 * window; index++) {
      if (index % window === 0) await waitUntil(() => atBob.length === index, 'the previous window at Bob', 10_000, () => `${atBob.length} chunks`);
      producer.send(Buffer.from(encodeChunkFrame(TRANSFER, index * FILE_CHUNK_SIZE, payload)));
    }
    await waitUntil(() => atBob.length === 3 * window, 'every chunk at Bob', 10_000, () => `${atBob.length} chunks`);
    expect(atBob).toEqual(Array.from({ length: 3 * window }, (_, index) => index * FILE_CHUNK_SIZE));

    // Ann closes it: Bob's consumer on server 2 closes, and server 2 forgets the link.
    expect(await ann.client.request('closeFileLink', { linkId })).toMatchObject({ ok: true });
    await waitUntil(() => consumer.closed, 'Bob’s consumer to close with the link', 10_000);
    expect(peer(roomTwo, bob).dataConsumers.size).toBe(0);
    expect(roomTwo.fileLinks.size).toBe(0);
    expect((await bob.client.request('consumeData', { dataProducerId: producer.id })).error?.code).toBe('not_found');
    for (const person of [ann, bob, cat, dan]) await person.client.request('leave');
  }, 30_000);

  test('closes on server 2 when its owner leaves; opened → consumed → owner told, timed over an open media link', async () => {
    const { ann, bob, cat, dan, roomOne, roomTwo, peer } = await fourPeople('files-owner-leaves');
    // Her camera reaching Bob says the media link between the servers is up.
    const camera = await produceFake(ann.client, ann.sendTransportId, 'cam');
    await waitUntil(() => bob.client.notifications('producerAdded').some((message) => JSON.stringify(message.data).includes(camera)), 'the link to be up', 10_000);

    const openedAt = performance.now();
    const reply = await ann.client.request('openFileLink', { audience: [bob.peerId] });
    const { linkId } = reply.data as { linkId: string };
    const producer = await roomOne.fileLinks.produce(peer(roomOne, ann), await browserOf(roomOne, ann), linkId);
    const toldMs = await timeUntil(() => opened(bob).length === 1, 'Bob to be told of the link', openedAt);
    // Consumed at once, as his app does.
    const consumer = await roomTwo.fileLinks.consume(peer(roomTwo, bob), producer.id, await browserOf(roomTwo, bob));
    const readyMs = await timeUntil(() => readyFor(ann).length === 1, 'Ann to be told Bob is ready', openedAt);
    process.stdout.write(`file link across servers: receiver told ${toldMs.toFixed(0)} ms, owner told ready ${readyMs.toFixed(0)} ms after openFileLink\n`);

    await ann.client.request('leave');
    await waitUntil(() => consumer.closed, 'Bob’s consumer to close when Ann leaves', 10_000);
    expect(roomTwo.fileLinks.size).toBe(0);
    expect(roomOne.fileLinks.size).toBe(0);
    for (const person of [bob, cat, dan]) await person.client.request('leave');
  }, 30_000);

  test('opened before the media link between the servers is up: sent through it once it is, and closed on server 2 when that link goes', async () => {
    // Server 2's answer to server 1's offer of the media link is held back, as a slow bus would.
    const held: Parameters<SharedRoom['receive']>[0][] = [];
    let shared: SharedRoom | undefined;
    const { ann, bob, cat, dan, roomOne, roomTwo, peer } = await fourPeople('files-link-late', () => {
      shared = service.one.federation.shared('files-link-late')!;
      const receive = shared.receive.bind(shared);
      shared.receive = (message) => (message.kind === 'linkAnswer' ? void held.push(message) : receive(message));
    });
    await waitUntil(() => held.length === 1, 'server 2 to answer the link', 10_000);

    const reply = await ann.client.request('openFileLink', { audience: [bob.peerId] });
    const { linkId } = reply.data as { linkId: string };
    const producer = await roomOne.fileLinks.produce(peer(roomOne, ann), await browserOf(roomOne, ann), linkId);
    expect(opened(bob)).toEqual([]);

    SharedRoom.prototype.receive.call(shared!, held[0]!);
    await waitUntil(() => opened(bob).length === 1, 'Bob to be told of the link once the servers are linked', 10_000);
    expect(opened(bob)).toEqual([{ linkId, dataProducerId: producer.id, from: ann.peerId }]);
    const consumer = await roomTwo.fileLinks.consume(peer(roomTwo, bob), producer.id, await browserOf(roomTwo, bob));
    await waitUntil(() => readyFor(ann).length === 1, 'Ann to be told Bob is ready', 10_000);
    const atBob = chunkOffsets(consumer);
    producer.send(Buffer.from(encodeChunkFrame(TRANSFER, 0, new Uint8Array(FILE_CHUNK_SIZE))));
    await waitUntil(() => atBob.length === 1, 'the first chunk at Bob', 10_000);

    // Server 2 hears that server 1 is gone (its heartbeats ran out): the link between them goes, and the copy with it.
    service.two.federation.shared('files-link-late')!.serverGone(service.one.serverId);
    await waitUntil(() => consumer.closed, 'Bob’s consumer to close with the link between the servers', 10_000);
    expect(roomTwo.fileLinks.size).toBe(0);
    expect(peer(roomTwo, bob).dataConsumers.size).toBe(0);
    for (const person of [ann, bob, cat, dan]) await person.client.request('leave');
  }, 30_000);
});
