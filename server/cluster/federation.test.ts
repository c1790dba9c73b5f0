import { describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { peopleSeenBy, publicationsOf, useClusterServers, type SeenPeer } from '../testing/clusterServers.ts';
import { consume, produceFake, setUpMedia } from '../testing/fakeMedia.ts';
import { FakeClient, joinWithMedia } from '../testing/fakes.ts';

/*
 * Two servers of one service in this process, each with its own mediasoup worker, room registry and Redis
 * connections (a real redis-server between them): people of one room on either server see each other, and the
 * producers of one are consumed on the other through the media link between the servers' routers.
 */

const service = useClusterServers();

describe('people of one room on two servers', () => {
  test('see each other, consume each other’s producers through the link, and follow pauses, ends and leaving', async () => {
    const { one, two } = service;
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
    const annForCat = (cat.joined.peers as SeenPeer[]).find((peer) => peer.id === ann.peerId);
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
    const { one, two } = service;
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
    const { one, two } = service;
    const ann = await joinWithMedia(one.services, 'doomed-link', 'Ann');
    const camera = await produceFake(ann.client, ann.sendTransportId, 'cam');
    const bob = await joinWithMedia(two.services, 'doomed-link', 'Bob');
    await waitUntil(() => publicationsOf(bob, ann.peerId).length === 1, 'Bob to see Ann’s camera', 10_000);
    const consumerId = await consume(bob.client, camera);

    // Server 1 drops off Redis without a word, as a crashed process does.
    const diedAt = performance.now();
    one.commands.disconnect();
    one.subscriber.disconnect();
    await waitUntil(() => !peopleSeenBy(bob).has(ann.peerId), 'Ann to leave Bob’s room', 15_000);
    process.stdout.write(`a dead server's people left the other server's room ${(performance.now() - diedAt).toFixed(0)} ms after it went silent\n`);
    // Told after her leaving (the consumer's close comes from mediasoup on its own): waited for, not read at once.
    const closed = () => bob.client.notifications('consumerClosed').map((message) => message.data);
    await waitUntil(() => closed().some((data) => (data as { consumerId: string }).consumerId === consumerId), 'Bob’s consumer of her camera closed', 5_000);
    expect(closed()).toContainEqual({ consumerId });
    const bobRoom = (await two.services.rooms.find('doomed-link'))!;
    expect(bobRoom.remote?.infos()).toEqual([]);
    expect((await bob.client.request('consume', { producerId: camera })).error?.code).toBe('not_found');
  }, 30_000);
});
