import { afterEach, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { peopleSeenBy, publicationsOf, useClusterServers } from '../testing/clusterServers.ts';
import { consume, produceFake } from '../testing/fakeMedia.ts';
import { joinWithMedia } from '../testing/fakes.ts';
import { keys } from './keys.ts';

/*
 * Presence and media repaired after lost bus messages, with real mediasoup and a real redis-server. Server 1's
 * subscriber connection goes through a proxy the test cuts: pub/sub has nothing to replay, so everything server 2
 * says meanwhile is lost to server 1. Back well within the reap time (nobody took server 1 for dead), the rooms must
 * come back in step by themselves, and the media link that was up must stay up.
 */

// Both servers' connections go through proxies; only server 1's are cut.
const service = useClusterServers({ proxied: true });
// A test that fails half-way leaves no cut connection to the next.
afterEach(async () => {
  await service.one.proxies!.subscriber.restore();
  await service.one.proxies!.commands.restore();
});

describe('presence repair after a bus connection drop', () => {
  test('what server 2 said while server 1 could not hear reaches server 1 once it is back; the working link stays', async () => {
    const { one, two } = service;
    const proxy = one.proxies!.subscriber;
    const ann = await joinWithMedia(one.services, 'mended', 'Ann');
    const annCam = await produceFake(ann.client, ann.sendTransportId, 'cam');
    const bob = await joinWithMedia(two.services, 'mended', 'Bob');
    const bobCam = await produceFake(bob.client, bob.sendTransportId, 'cam');
    const bobMic = await produceFake(bob.client, bob.sendTransportId, 'mic');
    const eve = await joinWithMedia(two.services, 'mended', 'Eve');
    await waitUntil(() => publicationsOf(bob, ann.peerId).length === 1, 'Bob to see Ann’s camera', 10_000);
    await waitUntil(() => publicationsOf(ann, bob.peerId).length === 2 && peopleSeenBy(ann).has(eve.peerId), 'Ann to see Bob’s media and Eve', 10_000);

    // Each watches the other's camera through the link between the servers.
    const annWatchesBob = await consume(ann.client, bobCam);
    const bobWatchesAnn = await consume(bob.client, annCam);
    const annRoom = (await one.services.rooms.find('mended'))!;
    const bobRoom = (await two.services.rooms.find('mended'))!;
    const bobCamOnServer1 = annRoom.remote?.producer(bobCam);
    expect(bobCamOnServer1).toBeDefined();

    // Server 1's subscriber connection drops and cannot come back for now.
    await proxy.cut();
    await waitUntil(() => one.subscriber.status !== 'ready', 'server 1’s subscriber to notice', 10_000);

    // Meanwhile on server 2: Cat joins with a camera, Bob pauses his camera and stops his mic, Eve leaves.
    const published = two.bus.stats.published;
    const cat = await joinWithMedia(two.services, 'mended', 'Cat');
    const catCam = await produceFake(cat.client, cat.sendTransportId, 'cam');
    expect(await bob.client.request('pauseProducer', { producerId: bobCam })).toMatchObject({ ok: true });
    expect(await bob.client.request('closeProducer', { producerId: bobMic })).toMatchObject({ ok: true });
    await eve.client.request('leave');
    // peerJoined, producerExported, producerPaused, producerUnexported, peerLeft: said, and lost to server 1.
    await waitUntil(() => two.bus.stats.published >= published + 5, 'server 2 to say all that', 10_000);
    expect(peopleSeenBy(ann).has(cat.peerId)).toBe(false);

    await proxy.restore();
    const restoredAt = performance.now();
    await waitUntil(() => publicationsOf(ann, cat.peerId).some((publication) => publication.id === catCam), 'Ann to see Cat and her camera', 15_000);
    process.stdout.write(`server 1 saw Cat and her camera ${(performance.now() - restoredAt).toFixed(0)} ms after its Redis connection could come back\n`);
    await waitUntil(() => !peopleSeenBy(ann).has(eve.peerId), 'Ann to see that Eve left', 10_000);
    await waitUntil(() => publicationsOf(ann, bob.peerId).find((publication) => publication.id === bobCam)?.paused === true, 'Ann to see Bob’s camera paused', 10_000);
    await waitUntil(() => publicationsOf(ann, bob.peerId).length === 1, 'Ann to see Bob’s mic gone', 10_000);
    expect(peopleSeenBy(ann).get(cat.peerId)?.name).toBe('Cat');
    expect(await consume(ann.client, catCam)).toBeTruthy();

    // The link that was up stayed up: Bob's camera on server 1 is the same import, nobody's consumer closed, and
    // Ann's consumer of it follows the pause.
    expect(annRoom.remote?.producer(bobCam)).toBe(bobCamOnServer1);
    const annConsumer = annRoom.peers.get(ann.peerId)!.consumers.get(annWatchesBob)!;
    expect(annConsumer.closed).toBe(false);
    expect(annConsumer.producerPaused).toBe(true);
    expect(bobRoom.peers.get(bob.peerId)!.consumers.get(bobWatchesAnn)?.closed).toBe(false);
    expect(ann.client.notifications('consumerClosed')).toEqual([]);
    expect(bob.client.notifications('consumerClosed')).toEqual([]);
    // Server 2's people still see Ann as before.
    expect(publicationsOf(bob, ann.peerId).map((publication) => publication.id)).toEqual([annCam]);
    expect(peopleSeenBy(cat).has(ann.peerId)).toBe(true);
    for (const person of [ann, bob, cat]) await person.client.request('leave');
  }, 60_000);

  test('a room that opened on server 1 while it could not hear: the answer it missed comes again, and the media link is made', async () => {
    const { one, two } = service;
    const proxy = one.proxies!.subscriber;
    const bob = await joinWithMedia(two.services, 'opened-deaf', 'Bob');
    const bobCam = await produceFake(bob.client, bob.sendTransportId, 'cam');
    await proxy.cut();
    await waitUntil(() => one.subscriber.status !== 'ready', 'server 1’s subscriber to notice', 10_000);

    // Server 2 hears Ann's arrival (server 1 can still publish); its answer, with Bob, is lost.
    const ann = await joinWithMedia(one.services, 'opened-deaf', 'Ann');
    const annCam = await produceFake(ann.client, ann.sendTransportId, 'cam');
    await waitUntil(() => peopleSeenBy(bob).has(ann.peerId), 'Bob to see Ann', 10_000);
    expect(peopleSeenBy(ann).has(bob.peerId)).toBe(false);

    await proxy.restore();
    await waitUntil(() => publicationsOf(ann, bob.peerId).some((publication) => publication.id === bobCam), 'Ann to see Bob and his camera', 15_000);
    await waitUntil(() => publicationsOf(bob, ann.peerId).some((publication) => publication.id === annCam), 'Bob to see Ann’s camera', 10_000);
    expect(await consume(ann.client, bobCam)).toBeTruthy();
    expect(await consume(bob.client, annCam)).toBeTruthy();
    for (const person of [ann, bob]) await person.client.request('leave');
  }, 60_000);

  test('an offer whose answer was lost: the link that never came up is offered afresh, and each consumes the other’s camera through it', async () => {
    const { one, two } = service;
    const proxy = one.proxies!.subscriber;
    const bob = await joinWithMedia(two.services, 'late-answer', 'Bob');
    const bobCam = await produceFake(bob.client, bob.sendTransportId, 'cam');
    // Server 1 goes deaf the moment it offers the room's link: the answer and Bob's camera exported with it are lost.
    const publish = one.bus.publish.bind(one.bus);
    let offers = 0;
    one.bus.publish = async (channel, message) => {
      if (message.kind === 'linkOffer' && message.room === 'late-answer' && offers++ === 0) await proxy.cut();
      return publish(channel, message);
    };
    try {
      const ann = await joinWithMedia(one.services, 'late-answer', 'Ann');
      const annCam = await produceFake(ann.client, ann.sendTransportId, 'cam');
      await waitUntil(() => one.subscriber.status !== 'ready', 'server 1 to offer and go deaf', 10_000);
      await waitUntil(() => peopleSeenBy(ann).has(bob.peerId) && peopleSeenBy(bob).has(ann.peerId), 'Ann and Bob to see each other', 10_000);
      expect(publicationsOf(ann, bob.peerId)).toEqual([]);

      await proxy.restore();
      await waitUntil(() => publicationsOf(ann, bob.peerId).some((publication) => publication.id === bobCam), 'Ann to see Bob’s camera', 15_000);
      await waitUntil(() => publicationsOf(bob, ann.peerId).some((publication) => publication.id === annCam), 'Bob to see Ann’s camera', 10_000);
      expect(await consume(ann.client, bobCam)).toBeTruthy();
      expect(await consume(bob.client, annCam)).toBeTruthy();
      expect(offers).toBe(2);
      for (const person of [ann, bob]) await person.client.request('leave');
    } finally {
      Reflect.deleteProperty(one.bus, 'publish');
    }
  }, 60_000);

  test('a room that closed on server 2 while server 1 could not hear: its people leave server 1’s room, their media with them', async () => {
    const { one, two } = service;
    const proxy = one.proxies!.subscriber;
    const ann = await joinWithMedia(one.services, 'emptied', 'Ann');
    const bob = await joinWithMedia(two.services, 'emptied', 'Bob');
    const bobCam = await produceFake(bob.client, bob.sendTransportId, 'cam');
    await waitUntil(() => publicationsOf(ann, bob.peerId).length === 1, 'Ann to see Bob’s camera', 10_000);
    const consumerId = await consume(ann.client, bobCam);
    await proxy.cut();
    await waitUntil(() => one.subscriber.status !== 'ready', 'server 1’s subscriber to notice', 10_000);

    // Bob leaves, the room closes on server 2 (out of the room directory): its peerLeft and roomLeft are lost.
    await bob.client.request('leave');
    await waitUntil(async () => (await two.commands.hexists(keys.roomServers('emptied'), 'server-2')) === 0, 'server 2 to leave the directory', 10_000);
    expect(peopleSeenBy(ann).has(bob.peerId)).toBe(true);

    await proxy.restore();
    await waitUntil(() => !peopleSeenBy(ann).has(bob.peerId), 'Ann to see Bob leave', 15_000);
    // Her consumer's close comes from mediasoup on its own, a moment after Bob is gone (a fresh-clone run read it early).
    const closedForAnn = () => ann.client.notifications('consumerClosed').map((message) => message.data);
    await waitUntil(() => closedForAnn().some((data) => (data as { consumerId: string }).consumerId === consumerId), 'Ann’s consumer of Bob’s camera closed', 5_000);
    expect(closedForAnn()).toContainEqual({ consumerId });
    expect((await one.services.rooms.find('emptied'))?.remote?.infos()).toEqual([]);
    await ann.client.request('leave');
  }, 60_000);

  test('what server 1 could not publish while its command connection was down reaches server 2 once it is back', async () => {
    const { one, two } = service;
    const commandsProxy = one.proxies!.commands;
    const ann = await joinWithMedia(one.services, 'unsaid', 'Ann');
    const bob = await joinWithMedia(two.services, 'unsaid', 'Bob');
    await waitUntil(() => peopleSeenBy(bob).has(ann.peerId) && peopleSeenBy(ann).has(bob.peerId), 'Ann and Bob to see each other', 10_000);
    await commandsProxy.cut();
    await waitUntil(() => one.commands.status !== 'ready', 'server 1’s command connection to notice', 10_000);

    // Cat joins server 1 with a camera and Ann leaves: publishing that fails, so server 2 never hears it.
    const cat = await joinWithMedia(one.services, 'unsaid', 'Cat');
    const catCam = await produceFake(cat.client, cat.sendTransportId, 'cam');
    await ann.client.request('leave');

    await commandsProxy.restore();
    await waitUntil(() => publicationsOf(bob, cat.peerId).some((publication) => publication.id === catCam), 'Bob to see Cat and her camera', 15_000);
    await waitUntil(() => !peopleSeenBy(bob).has(ann.peerId), 'Bob to see that Ann left', 10_000);
    expect(await consume(bob.client, catCam)).toBeTruthy();
    for (const person of [bob, cat]) await person.client.request('leave');
  }, 60_000);
});
