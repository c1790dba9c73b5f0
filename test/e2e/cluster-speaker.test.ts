import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom, openPhone } from '../support/browser.ts';
import { useCluster } from '../support/cluster.ts';
import { MEDIA_OF } from '../support/fakeMedia.ts';
import { highlighted, setMic } from '../support/speaker.ts';

/*
 * Two people of one room on two servers of a service, in real Chromium with their own tones: the one talking is
 * highlighted on both pages (each server elects from the same audio, the other's mic imported through the link), and
 * each page shows the other's connection as rated by the other's server.
 */

const cluster = useCluster();

describe('a call across two servers', () => {
  test('the one talking is highlighted on both servers’ pages, and each sees the other’s connection', async () => {
    const alice = await openPhone(cluster.browser, { media: MEDIA_OF.Alice });
    const bob = await openPhone(cluster.browser, { media: MEDIA_OF.Bob });
    await joinRoom(alice.page, cluster.one.url, 'speaking-across', 'Alice');
    await joinRoom(bob.page, cluster.two.url, 'speaking-across', 'Bob');
    await expectVideoPlaying(bob.page, 'Alice camera');
    await expectVideoPlaying(alice.page, 'Bob camera');

    // Each person's server rates their link; the other server's page shows it on their camera tile.
    await expect.poll(() => bob.page.getByRole('img', { name: /^Alice's connection: (good|fair|poor)$/ }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => alice.page.getByRole('img', { name: /^Bob's connection: (good|fair|poor)$/ }).count(), { timeout: 15_000 }).toBe(1);

    // Only Alice (server 1) talks: Bob's page (server 2) rings her camera too.
    await setMic(bob.page, false);
    for (const page of [alice.page, bob.page]) await expect.poll(() => highlighted(page), { timeout: 15_000 }).toEqual(['Alice camera']);

    // Alice stops, Bob starts: the highlight moves to Bob on both.
    const switchedAt = Date.now();
    await setMic(alice.page, false);
    await setMic(bob.page, true);
    for (const page of [alice.page, bob.page]) await expect.poll(() => highlighted(page), { timeout: 15_000 }).toEqual(['Bob camera']);
    console.log(`active speaker across servers: the highlight moved on both pages ${Date.now() - switchedAt} ms after the mic switch`);
    // And it stays there on both (neither page flips back while the other catches up).
    for (const page of [alice.page, bob.page]) expect(await highlighted(page)).toEqual(['Bob camera']);

    for (const person of [alice, bob]) await person.context.close();
  }, 90_000);
});
