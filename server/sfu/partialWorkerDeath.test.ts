import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { consume, produceFake } from '../testing/fakeMedia.ts';
import { createTestServices, joinWithMedia } from '../testing/fakes.ts';

/*
 * A room spread over two workers loses one of them. The home worker (chat feed, speaker observer) survives here:
 * only the people on the dead worker are cut; the others keep their call and are told those people's media ended.
 */

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices({ workers: 2 });
});
afterAll(() => services.pool.close());

type Joined = Awaited<ReturnType<typeof joinWithMedia>>;

describe('a worker that dies under part of a room', () => {
  test('drops only its peers: the others keep their call (same peers, same consumers) and are told', async () => {
    const ann = await joinWithMedia(services, 'split', 'Ann');
    const bob = await joinWithMedia(services, 'split', 'Bob');
    const cat = await joinWithMedia(services, 'split', 'Cat');
    const room = (await services.rooms.find('split'))!;
    const workerOf = (person: Joined) => room.routers.of(person.peerId).slot;
    expect(workerOf(ann)).toBe(room.slot);
    expect(workerOf(bob)).not.toBe(room.slot);
    expect(workerOf(cat)).toBe(room.slot);

    // Everyone sees everyone: Ann's camera piped to Bob, Bob's camera piped back to Ann and Cat.
    const annCamera = await produceFake(ann.client, ann.sendTransportId, 'cam');
    const bobCamera = await produceFake(bob.client, bob.sendTransportId, 'cam');
    const catFromAnn = await consume(cat.client, annCamera);
    await consume(bob.client, annCamera);
    const annFromBob = await consume(ann.client, bobCamera);
    const catFromBob = await consume(cat.client, bobCamera);
    const deadPid = workerOf(bob).worker.pid;

    process.kill(deadPid, 'SIGKILL');

    // Bob's socket is cut (his app reconnects, cannot resume, and rejoins); Ann and Cat stay.
    await waitUntil(() => bob.client.terminated, 'Bob cut');
    await waitUntil(() => room.peers.size === 2, 'Bob forgotten');
    expect(ann.client.terminated || cat.client.terminated).toBe(false);
    expect(room.closed).toBe(false);
    expect([...room.peers.keys()].sort()).toEqual([ann.peerId, cat.peerId].sort());
    // They are told: Bob's camera consumers closed, his producer closed, he left.
    const closedFor = (person: Joined) => person.client.notifications('consumerClosed').map((message) => (message.data as { consumerId: string }).consumerId);
    await waitUntil(() => closedFor(ann).includes(annFromBob) && closedFor(cat).includes(catFromBob), 'the survivors told');
    for (const person of [ann, cat]) {
      expect(person.client.notifications('peerLeft').map((message) => message.data)).toEqual([{ peerId: bob.peerId }]);
    }
    // Their own call goes on: Cat still consumes Ann's camera, on the home worker, and can still ask things.
    expect(closedFor(cat)).not.toContain(catFromAnn);
    expect(room.peers.get(cat.peerId)!.consumers.has(catFromAnn)).toBe(true);
    expect(await cat.client.request('ping')).toMatchObject({ ok: true });

    // Bob's app joins afresh, onto a running worker; he and the others see each other again.
    const bobAgain = await joinWithMedia(services, 'split', 'Bob');
    expect(bobAgain.joined.peers.map((peer) => peer.id).sort()).toEqual([ann.peerId, cat.peerId].sort());
    expect(room.routers.of(bobAgain.peerId).slot.worker.pid).not.toBe(deadPid);
    await consume(bobAgain.client, annCamera);
    const camera = await produceFake(bobAgain.client, bobAgain.sendTransportId, 'cam');
    await consume(ann.client, camera);
    for (const person of [ann, cat, bobAgain]) await person.client.request('leave');
  });

  test('takes the whole room when it was the home worker: everyone rejoins the same meeting', async () => {
    await waitUntil(() => services.pool.slots.every((slot) => !slot.restarting), 'both workers running');
    const ann = await joinWithMedia(services, 'home-lost', 'Ann');
    const bob = await joinWithMedia(services, 'home-lost', 'Bob');
    const room = (await services.rooms.find('home-lost'))!;
    expect(room.routers.of(bob.peerId).slot).not.toBe(room.slot);

    process.kill(room.slot.worker.pid, 'SIGKILL');

    await waitUntil(() => ann.client.terminated && bob.client.terminated, 'both cut');
    expect(room.closed).toBe(true);
    const again = await joinWithMedia(services, 'home-lost', 'Ann');
    const reborn = (await services.rooms.find('home-lost'))!;
    expect(reborn.instanceId).toBe(room.instanceId);
    await again.client.request('leave');
  });
});
