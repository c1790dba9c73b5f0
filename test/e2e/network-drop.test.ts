import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { countTiles, expectVideoFrozen, expectVideoPlaying, joinRoom, launchBrowser, peerIdOf, PHONE } from '../support/browser.ts';
import { createTestNetwork, type TestNetwork } from '../support/netns.ts';
import { waitUntil } from '../support/poll.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * A real network drop: Alice's browser runs in its own network namespace and reaches the server over a link the
 * test takes down for a few seconds, as a phone's Wi-Fi does. Signaling and media both cross that link.
 */

let network: TestNetwork;
let server: RunningServer;
let outside: Browser;
let inside: Browser;

beforeAll(async () => {
  network = createTestNetwork();
  const address = network.hostAddress;
  server = await startServer({ HOST: address, RTC_LISTEN_IP: address, RTC_ANNOUNCED_ADDRESS: address });
  [outside, inside] = await Promise.all([launchBrowser(), launchBrowser([], network.chromiumInside)]);
});

afterAll(async () => {
  await inside?.close();
  await outside?.close();
  await server?.stop();
  network?.remove();
});

describe('network drop', () => {
  test('the link goes down for 8 s: the call comes back by itself, without a reload', async () => {
    // https: a page on a LAN address is only a secure context (camera allowed) over TLS, as for a phone.
    const url = server.httpsUrl!;
    const alice = await (await inside.newContext({ viewport: PHONE, ignoreHTTPSErrors: true })).newPage();
    const bob = await (await outside.newContext({ viewport: PHONE, ignoreHTTPSErrors: true })).newPage();
    // A browser started in a namespace whose link just came up may see "network changed" on its first load.
    await waitUntil(() => alice.goto(url).then(() => true, () => false), 'the page to load inside the namespace', 10_000);
    await joinRoom(alice, url, 'wifi', 'Alice');
    await joinRoom(bob, url, 'wifi', 'Bob');
    await expectVideoPlaying(bob, 'Alice camera');
    await expectVideoPlaying(alice, 'Bob camera');
    const loads = await alice.evaluate(() => performance.getEntriesByType('navigation').length);
    const aliceId = await peerIdOf(bob, 'Alice camera');

    network.cut();
    // Bob's picture of Alice stops while the link is down...
    await expectVideoFrozen(bob, 'Alice camera', 8_000);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    network.restore();
    const restoredAt = Date.now();

    // ...and plays again once it is back, on both sides, with the same single tiles.
    await expectVideoPlaying(bob, 'Alice camera', 30_000);
    await expectVideoPlaying(alice, 'Bob camera', 30_000);
    await alice.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    process.stdout.write(`media back ${Date.now() - restoredAt} ms after the link came back\n`);
    expect(await countTiles(bob, 'Alice camera')).toBe(1);
    // The same Alice came back (her session resumed), not a second one.
    expect(await peerIdOf(bob, 'Alice camera')).toBe(aliceId);
    expect(await countTiles(alice, 'Bob camera')).toBe(1);
    expect(await alice.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(loads); // no reload
  }, 90_000);
});
