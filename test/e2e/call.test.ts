import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom, launchBrowser, openPhone, tile } from '../support/browser.ts';
import { startServer, type RunningServer } from '../support/server.ts';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a call through the SFU', () => {
  test('two people see each other, and a late joiner sees both', async () => {
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    await joinRoom(alice.page, server.url, 'standup', 'Alice');
    await joinRoom(bob.page, server.url, 'standup', 'Bob');

    await expectVideoPlaying(alice.page, 'Bob camera');
    await expectVideoPlaying(bob.page, 'Alice camera');

    const carol = await openPhone(browser);
    await joinRoom(carol.page, server.url, 'standup', 'Carol');
    await expectVideoPlaying(carol.page, 'Alice camera');
    await expectVideoPlaying(carol.page, 'Bob camera');
    await expectVideoPlaying(alice.page, 'Carol camera');

    await carol.page.getByRole('button', { name: 'Leave' }).click();
    await expect.poll(() => tile(alice.page, 'Carol camera').count()).toBe(0);
    await expect.poll(() => tile(bob.page, 'Carol camera').count()).toBe(0);

    for (const person of [alice, bob, carol]) await person.context.close();
  });
});
