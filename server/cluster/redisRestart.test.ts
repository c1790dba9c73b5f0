import { describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { peopleSeenBy, publicationsOf, useClusterServers } from '../testing/clusterServers.ts';
import { consume, produceFake } from '../testing/fakeMedia.ts';
import { joinWithMedia } from '../testing/fakes.ts';

/*
 * Redis itself restarts (killed, back on its port with its append-only data) in less than the reap time: every
 * connection of both servers drops and comes back, nobody is taken for dead, and what was said meanwhile is lost.
 * The rooms resync by themselves, and the media link that was up stays up.
 */

// Append-only, as a production Redis should be: it comes back with what it held.
const service = useClusterServers({ appendOnly: true });

describe('Redis restarting under a call across two servers', () => {
  test('someone who joined while Redis was away is seen on the other server once it is back; the working link stays', async () => {
    const { one, two, redis } = service;
    const ann = await joinWithMedia(one.services, 'restarted', 'Ann');
    const annCam = await produceFake(ann.client, ann.sendTransportId, 'cam');
    const bob = await joinWithMedia(two.services, 'restarted', 'Bob');
    const bobCam = await produceFake(bob.client, bob.sendTransportId, 'cam');
    await waitUntil(() => publicationsOf(ann, bob.peerId).length === 1 && publicationsOf(bob, ann.peerId).length === 1, 'Ann and Bob to see each other’s camera', 10_000);
    const annWatchesBob = await consume(ann.client, bobCam);
    const bobWatchesAnn = await consume(bob.client, annCam);

    await redis.server.kill();
    await waitUntil(() => one.subscriber.status !== 'ready' && two.subscriber.status !== 'ready', 'both servers to lose Redis', 10_000);
    const downAt = performance.now();
    const cat = await joinWithMedia(two.services, 'restarted', 'Cat');
    const catCam = await produceFake(cat.client, cat.sendTransportId, 'cam');
    await redis.restart();

    await waitUntil(() => publicationsOf(ann, cat.peerId).some((publication) => publication.id === catCam), 'Ann to see Cat and her camera', 15_000);
    process.stdout.write(`Redis away and back: Ann saw Cat ${(performance.now() - downAt).toFixed(0)} ms after Redis went down\n`);
    expect(peopleSeenBy(cat).has(ann.peerId)).toBe(true);
    expect(ann.client.notifications('consumerClosed')).toEqual([]);
    expect(bob.client.notifications('consumerClosed')).toEqual([]);
    const annRoom = (await one.services.rooms.find('restarted'))!;
    const bobRoom = (await two.services.rooms.find('restarted'))!;
    expect(annRoom.peers.get(ann.peerId)!.consumers.get(annWatchesBob)?.closed).toBe(false);
    expect(bobRoom.peers.get(bob.peerId)!.consumers.get(bobWatchesAnn)?.closed).toBe(false);
    for (const person of [ann, bob, cat]) await person.client.request('leave');
  }, 60_000);
});
