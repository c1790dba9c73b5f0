import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { audioPeak, countTiles, expectVideoPlaying, openPhone } from '../support/browser.ts';
import { expectChatShows, openChat, sendChat } from '../support/chat.ts';
import { useCluster } from '../support/cluster.ts';
import { waitUntil } from '../support/poll.ts';

/*
 * A room with a password across two servers of one service: Alice makes it on server one; Bob, sent to server two
 * by the load balancer, enters the password and is in the same meeting (they see and hear each other, and he finds
 * what was written before he came); Carol, also on server two, gives a wrong password: refused, she sees nobody and
 * nobody sees her.
 */

const cluster = useCluster();
const PASSWORD = 'correct horse battery';

/** Fills the join form as a person does, with a password, and presses Join. */
async function enter(page: Page, baseUrl: string, room: string, name: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/r/${room}`);
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await waitUntil(async () => (await page.getByRole('textbox', { name: 'Room' }).inputValue()) === room, `room ${room} prefilled`);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Join' }).click();
}

async function connected(page: Page): Promise<void> {
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
}

/** How many rooms a server has open (its /healthz). */
async function roomsOn(url: string): Promise<number> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { rooms: number }).rooms;
}

describe('a room with a password across two servers', () => {
  test('Bob on server 2 enters the password and joins Alice’s meeting on server 1; Carol with a wrong one is refused and sees nobody', async () => {
    const room = 'locked-across';
    const alice = await openPhone(cluster.browser);
    await enter(alice.page, cluster.one.url, room, 'Alice', PASSWORD);
    await connected(alice.page);
    await waitUntil(async () => (await alice.page.getByText(/· locked/).count()) === 1, 'Alice’s room to say it is locked');
    await sendChat(alice.page, 'Written before Bob came');
    await expectChatShows(alice.page, ['Written before Bob came']);
    expect(await roomsOn(cluster.two.url)).toBe(0);

    const bob = await openPhone(cluster.browser);
    const bobStartedAt = Date.now();
    await enter(bob.page, cluster.balancer.url, room, 'Bob', PASSWORD); // through the balancer, to server two
    await connected(bob.page);
    const connectedMs = Date.now() - bobStartedAt;
    expect(await roomsOn(cluster.two.url)).toBe(1); // Bob is on server two
    await expectVideoPlaying(bob.page, 'Alice camera', 20_000);
    process.stdout.write(`Bob (server 2, password) connected ${connectedMs} ms and saw Alice (server 1) play ${Date.now() - bobStartedAt} ms after his page began to load\n`);
    await expectVideoPlaying(alice.page, 'Bob camera', 20_000);
    await waitUntil(async () => (await audioPeak(bob.page, 'Alice camera')) > 0.01, 'Bob to hear Alice', 20_000);
    await waitUntil(async () => (await audioPeak(alice.page, 'Bob camera')) > 0.01, 'Alice to hear Bob', 20_000);
    expect(await bob.page.getByText(/· locked/).count()).toBe(1);

    // One meeting, one conversation: Bob finds what was said before he came, and they write to each other.
    await openChat(bob.page);
    await expectChatShows(bob.page, ['Written before Bob came']);
    await sendChat(bob.page, 'Hello from server two');
    await expectChatShows(alice.page, ['Written before Bob came', 'Hello from server two']);
    await sendChat(alice.page, 'Hello from server one');
    await expectChatShows(bob.page, ['Written before Bob came', 'Hello from server two', 'Hello from server one']);

    // Carol, on server two as well, with a wrong password: refused in words, she sees nobody, and nobody sees her.
    const carol = await openPhone(cluster.browser);
    await enter(carol.page, cluster.balancer.url, room, 'Carol', 'open barley please');
    await waitUntil(async () => /not right/.test((await carol.page.getByRole('alert').textContent().catch(() => '')) ?? ''), 'Carol to be told her password is not right', 20_000);
    expect(await carol.page.getByRole('button', { name: 'Join' }).isVisible()).toBe(true);
    expect(await countTiles(carol.page, 'Alice camera')).toBe(0);
    expect(await countTiles(carol.page, 'Bob camera')).toBe(0);
    expect(await countTiles(alice.page, 'Carol camera')).toBe(0);
    expect(await countTiles(bob.page, 'Carol camera')).toBe(0);

    for (const person of [alice, bob, carol]) await person.context.close();
  }, 120_000);
});
