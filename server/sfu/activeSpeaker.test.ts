import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { produceFake } from '../testing/fakeMedia.ts';
import { createTestServices, FakeClient, joinWithMedia as joinWith } from '../testing/fakes.ts';

/*
 * Real mediasoup, no packets: with a single live microphone in the room, its ActiveSpeakerObserver elects that one
 * at its next interval (300 ms), which is enough to drive every rule of RoomSpeaker. Who wins among several talking
 * mics is mediasoup's own algorithm, proven with real voices in test/e2e/active-speaker.test.ts.
 */

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

const joinWithMedia = (room: string, name: string) => joinWith(services, room, name);

/** The speaker this client was told last (undefined: never told). */
function lastSpeaker(client: FakeClient): string | null | undefined {
  const told = client.notifications('activeSpeaker');
  return (told.at(-1)?.data as { peerId: string | null } | undefined)?.peerId;
}

const SOON = { timeout: 10_000, interval: 50 };

describe('active speaker', () => {
  test('everyone hears who speaks; a muted or departed speaker becomes nobody; a late joiner is told at once', async () => {
    const ann = await joinWithMedia('speaking', 'Ann');
    const bob = await joinWithMedia('speaking', 'Bob');
    // Right after the join reply: nobody speaks yet.
    await expect.poll(() => lastSpeaker(bob.client), SOON).toBeNull();

    const annMic = await produceFake(ann.client, ann.sendTransportId, 'mic');
    await expect.poll(() => lastSpeaker(bob.client), SOON).toBe(ann.peerId);
    await expect.poll(() => lastSpeaker(ann.client), SOON).toBe(ann.peerId);

    // A mic that joins muted takes no part; Ann muting leaves nobody, told to both at once.
    const bobMic = await produceFake(bob.client, bob.sendTransportId, 'mic', { paused: true });
    expect(await ann.client.request('pauseProducer', { producerId: annMic })).toMatchObject({ ok: true });
    expect(lastSpeaker(bob.client)).toBeNull();
    expect(lastSpeaker(ann.client)).toBeNull();

    // Bob unmutes: the only live mic, so his.
    expect(await bob.client.request('resumeProducer', { producerId: bobMic })).toMatchObject({ ok: true });
    await expect.poll(() => lastSpeaker(ann.client), SOON).toBe(bob.peerId);

    // Someone joining now learns it without waiting for the next change.
    const cat = new FakeClient(services);
    await cat.join('speaking', 'Cat');
    await expect.poll(() => lastSpeaker(cat), SOON).toBe(bob.peerId);

    // Ann, muted, unmutes again: Bob stays the speaker (no election went to a paused or re-added mic by mistake).
    expect(await ann.client.request('resumeProducer', { producerId: annMic })).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // several intervals: nothing must happen
    expect(lastSpeaker(cat)).toBe(bob.peerId);

    // The speaker leaves: nobody at once, then the one live mic left (Ann's).
    const before = cat.notifications('activeSpeaker').length;
    await bob.client.request('leave');
    expect(cat.notifications('activeSpeaker')[before]?.data).toEqual({ peerId: null });
    await expect.poll(() => lastSpeaker(cat), SOON).toBe(ann.peerId);
    expect(lastSpeaker(ann.client)).toBe(ann.peerId);
  }, 30_000);

  test('a speaker whose mic closes is nobody; the room never names a peer from another room', async () => {
    const ann = await joinWithMedia('speaking-2', 'Ann');
    const bob = await joinWithMedia('speaking-2', 'Bob');
    const other = await joinWithMedia('elsewhere', 'Olga');
    await produceFake(other.client, other.sendTransportId, 'mic');
    const annMic = await produceFake(ann.client, ann.sendTransportId, 'mic');
    await expect.poll(() => lastSpeaker(bob.client), SOON).toBe(ann.peerId);
    await expect.poll(() => lastSpeaker(other.client), SOON).toBe(other.peerId);

    expect(await ann.client.request('closeProducer', { producerId: annMic })).toMatchObject({ ok: true });
    expect(lastSpeaker(bob.client)).toBeNull();
    const named = new Set(bob.client.notifications('activeSpeaker').map((message) => (message.data as { peerId: string | null }).peerId));
    expect(named).toEqual(new Set([null, ann.peerId]));
  }, 30_000);
});
