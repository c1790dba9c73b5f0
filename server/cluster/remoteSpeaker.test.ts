import { describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { publicationsOf, useClusterServers } from '../testing/clusterServers.ts';
import { produceFake } from '../testing/fakeMedia.ts';
import { speakingMic } from '../testing/speakingMic.ts';
import { joinWithMedia, type FakeClient } from '../testing/fakes.ts';

/*
 * The active speaker across servers, with real mediasoup and a real redis-server: a microphone imported from
 * another server takes part in the home router's election like a local one. As in activeSpeaker.test.ts, a single
 * live microphone in the room is what mediasoup elects at its next interval, no packets needed.
 */

const service = useClusterServers();

function lastSpeaker(client: FakeClient): string | null | undefined {
  return (client.notifications('activeSpeaker').at(-1)?.data as { peerId: string | null } | undefined)?.peerId;
}

const SOON = { timeout: 10_000, interval: 50 };

describe('active speaker across servers', () => {
  test('someone speaking on another server is the speaker here; muted or gone, nobody', async () => {
    const { one, two } = service;
    const ann = await joinWithMedia(one.services, 'speaking-across', 'Ann');
    const bob = await joinWithMedia(two.services, 'speaking-across', 'Bob');
    // Bob's own microphone is muted: the only live one is Ann's, on server 1.
    const bobMic = await produceFake(bob.client, bob.sendTransportId, 'mic', { paused: true });
    const annMic = await produceFake(ann.client, ann.sendTransportId, 'mic');
    await waitUntil(() => publicationsOf(bob, ann.peerId).some((publication) => publication.id === annMic), 'Ann’s mic to reach server 2', 10_000);

    await expect.poll(() => lastSpeaker(bob.client), SOON).toBe(ann.peerId);

    // Ann mutes on server 1: Bob's server takes her out of its election at once.
    expect(await ann.client.request('pauseProducer', { producerId: annMic })).toMatchObject({ ok: true });
    await expect.poll(() => lastSpeaker(bob.client), SOON).toBeNull();

    // Bob unmutes: his own mic wins on his server, and, imported there, on Ann's.
    expect(await bob.client.request('resumeProducer', { producerId: bobMic })).toMatchObject({ ok: true });
    await expect.poll(() => lastSpeaker(bob.client), SOON).toBe(bob.peerId);
    await expect.poll(() => lastSpeaker(ann.client), SOON).toBe(bob.peerId);

    // Bob's mic closes (on server 2): server 1 hears its copy close and names nobody.
    expect(await bob.client.request('closeProducer', { producerId: bobMic })).toMatchObject({ ok: true });
    await expect.poll(() => lastSpeaker(ann.client), SOON).toBeNull();

    // Ann unmutes again: elected on both servers.
    expect(await ann.client.request('resumeProducer', { producerId: annMic })).toMatchObject({ ok: true });
    await expect.poll(() => lastSpeaker(bob.client), SOON).toBe(ann.peerId);
    await expect.poll(() => lastSpeaker(ann.client), SOON).toBe(ann.peerId);
    for (const person of [ann, bob]) await person.client.request('leave');
  }, 40_000);

  test('a person talking on another server out-talks a silent local mic: elected there from the audio that came through the link', async () => {
    const { one, two } = service;
    const bob = await joinWithMedia(two.services, 'talking-across', 'Bob');
    // Bob's live but silent mic is the only one on server 2: elected there at once.
    await produceFake(bob.client, bob.sendTransportId, 'mic');
    await expect.poll(() => lastSpeaker(bob.client), SOON).toBe(bob.peerId);

    // Ann, on server 1, talks.
    const ann = await joinWithMedia(one.services, 'talking-across', 'Ann');
    const annRoom = (await one.services.rooms.find('talking-across'))!;
    const mic = await speakingMic(annRoom, annRoom.peers.get(ann.peerId)!);
    const talkingSince = performance.now();
    try {
      await waitUntil(() => publicationsOf(bob, ann.peerId).some((publication) => publication.id === mic.producer.id), 'Ann’s mic to reach server 2', 10_000);
      await expect.poll(() => lastSpeaker(bob.client), SOON).toBe(ann.peerId);
      process.stdout.write(`server 2 elected Ann (talking on server 1) ${(performance.now() - talkingSince).toFixed(0)} ms after she began\n`);
      await expect.poll(() => lastSpeaker(ann.client), SOON).toBe(ann.peerId);
    } finally {
      mic.stop();
    }
    for (const person of [ann, bob]) await person.client.request('leave');
  }, 40_000);
});
