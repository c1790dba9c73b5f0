import { describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { useClusterServers } from '../testing/clusterServers.ts';
import { joinWithMedia, type FakeClient } from '../testing/fakes.ts';
import { channels } from './keys.ts';

/*
 * Connection quality across servers, with real mediasoup and a real redis-server: each server rates its own people
 * (server/quality), and the people of the room on another server are told those ratings as for a local person.
 */

const service = useClusterServers();

/** Every rating of `peerId` this client was told, in order. */
function ratingsOf(client: FakeClient, peerId: string): string[] {
  return client
    .notifications('connectionQuality')
    .map((message) => message.data as { peerId: string; quality: string })
    .filter((data) => data.peerId === peerId)
    .map((data) => data.quality);
}

describe('connection quality across servers', () => {
  test('people on the other server see each rating of a person; a late joiner sees the current one; forged or malformed ratings are dropped', async () => {
    const { one, two } = service;
    const ann = await joinWithMedia(one.services, 'rated', 'Ann');
    const bob = await joinWithMedia(two.services, 'rated', 'Bob');

    // Each server rates its own person within its first evaluations (every 2 s); the other server's person hears it.
    await waitUntil(() => ratingsOf(bob.client, ann.peerId).length > 0, 'Bob to be told how Ann’s connection is', 10_000);
    await waitUntil(() => ratingsOf(ann.client, bob.peerId).length > 0, 'Ann to be told how Bob’s connection is', 10_000);
    expect(ratingsOf(bob.client, ann.peerId)).toEqual(['good']);

    // Server 1 rates Ann's link anew (as its RoomQuality does when her scores or estimate drop): Bob sees it.
    const annRoom = (await one.services.rooms.find('rated'))!;
    annRoom.broadcast({ method: 'connectionQuality', data: { peerId: ann.peerId, quality: 'poor' } });
    await waitUntil(() => ratingsOf(bob.client, ann.peerId).at(-1) === 'poor', 'Bob to see Ann’s link go poor', 10_000);

    // Someone joining server 2 now is told Ann's current rating with the others'.
    const cat = await joinWithMedia(two.services, 'rated', 'Cat');
    await waitUntil(() => ratingsOf(cat.client, ann.peerId).length > 0, 'Cat to be told Ann’s rating', 10_000);
    expect(ratingsOf(cat.client, ann.peerId)).toEqual(['poor']);

    // Only a person's own server rates them: a rating of Ann from a server that does not host her, one of Bob from
    // Ann's server, and a rating that is no rating are all dropped.
    const droppedBefore = two.bus.stats.dropped;
    const room = channels.room('rated');
    const forge = (message: Record<string, unknown>) => one.commands.publish(room, JSON.stringify({ kind: 'peerQuality', room: 'rated', ...message }));
    await forge({ from: 'server-x', peerId: ann.peerId, quality: 'good' });
    await forge({ from: 'server-1', peerId: bob.peerId, quality: 'poor' });
    await forge({ from: 'server-1', peerId: ann.peerId, quality: 'excellent' });
    // Server 1's next real rating comes after them on the same connection.
    annRoom.broadcast({ method: 'connectionQuality', data: { peerId: ann.peerId, quality: 'fair' } });
    await waitUntil(() => ratingsOf(bob.client, ann.peerId).at(-1) === 'fair', 'Bob to see Ann’s link go fair', 10_000);
    expect(ratingsOf(bob.client, ann.peerId)).toEqual(['good', 'poor', 'fair']);
    expect(ratingsOf(cat.client, bob.peerId)).not.toContain('poor');
    expect(two.bus.stats.dropped).toBe(droppedBefore + 1);
    for (const person of [ann, bob, cat]) await person.client.request('leave');
  }, 40_000);
});
