import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { countTiles, expectVideoFrozen, expectVideoPlaying, joinRoom, launchBrowser, peerIdOf, PHONE } from '../support/browser.ts';
import { createTestNetwork, type TestNetwork } from '../support/netns.ts';
import { waitUntil } from '../support/poll.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * A real network drop: Alice's browser runs in its own network namespace and reaches the server over a link the
 * test takes down, as a phone's Wi-Fi does. Signaling and media both cross that link.
 */

let network: TestNetwork;
let server: RunningServer;
let outside: Browser;
let inside: Browser;

beforeAll(async () => {
  network = createTestNetwork();
  const address = network.hostAddress;
  server = await startServer({
    HOST: address,
    RTC_LISTEN_IP: address,
    RTC_ANNOUNCED_ADDRESS: address,
    // A TURN server nobody runs (on the test host's own address): only so that the test can see the client
    // take fresh TURN credentials after the drop. The call itself uses host candidates.
    TURN_URLS: `turn:${address}:9?transport=udp`,
    TURN_SECRET: 'network-drop-test-secret',
  });
  [outside, inside] = await Promise.all([launchBrowser(), launchBrowser([], network.chromiumInside)]);
});

afterAll(async () => {
  await inside?.close();
  await outside?.close();
  await server?.stop();
  network?.remove();
});

/** Keeps every RTCPeerConnection the page makes, and every signaling request it sends. */
async function recordMediaAndSignaling(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const record = window as unknown as { __pcs: RTCPeerConnection[]; __requests: { method: string; data: unknown; at: number }[] };
    record.__pcs = [];
    record.__requests = [];
    const Original = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Original {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        record.__pcs.push(this);
      }
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      try {
        const message = JSON.parse(String(data)) as { method?: string; data?: unknown };
        if (message.method) record.__requests.push({ method: message.method, data: message.data, at: Date.now() });
      } catch {
        // not ours
      }
      send.call(this, data);
    };
  });
}

type PcState = { state: RTCPeerConnectionState; remoteUfrag: string | undefined; turnUsername: string | undefined };

/**
 * The media transports' peer connections (the ones mediasoup-client opens only to read capabilities are closed at
 * once): their state, the server's ICE ufrag they talk to, and their TURN username.
 */
async function peerConnections(page: Page): Promise<PcState[]> {
  return page.evaluate(() =>
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
      .filter((pc) => pc.remoteDescription !== null)
      .map((pc) => ({
        state: pc.connectionState,
        remoteUfrag: /a=ice-ufrag:(\S+)/.exec(pc.remoteDescription?.sdp ?? '')?.[1],
        turnUsername: pc.getConfiguration().iceServers?.find((server) => server.username)?.username,
      })),
  );
}

async function requestsSince(page: Page, since: number, method: string): Promise<unknown[]> {
  return page.evaluate(
    ({ since, method }) =>
      (window as unknown as { __requests: { method: string; data: unknown; at: number }[] }).__requests
        .filter((request) => request.method === method && request.at >= since)
        .map((request) => request.data),
    { since, method },
  );
}

describe('network drop', () => {
  test('the link goes down until ICE fails: the client restarts ICE with new credentials, and the call comes back by itself', async () => {
    // https: a page on a LAN address is only a secure context (camera allowed) over TLS, as for a phone.
    const url = server.httpsUrl!;
    const alice = await (await inside.newContext({ viewport: PHONE, ignoreHTTPSErrors: true })).newPage();
    const bob = await (await outside.newContext({ viewport: PHONE, ignoreHTTPSErrors: true })).newPage();
    await recordMediaAndSignaling(alice);
    // A browser started in a namespace whose link just came up may see "network changed" on its first load.
    await waitUntil(() => alice.goto(url).then(() => true, () => false), 'the page to load inside the namespace', 10_000);
    await joinRoom(alice, url, 'wifi', 'Alice');
    await joinRoom(bob, url, 'wifi', 'Bob');
    await expectVideoPlaying(bob, 'Alice camera');
    await expectVideoPlaying(alice, 'Bob camera');
    const loads = await alice.evaluate(() => performance.getEntriesByType('navigation').length);
    const aliceId = await peerIdOf(bob, 'Alice camera');
    const before = await peerConnections(alice);
    expect(before.map((pc) => pc.state)).toEqual(['connected', 'connected']); // send and receive
    expect(before.every((pc) => pc.remoteUfrag && pc.turnUsername)).toBe(true);

    const cutAt = Date.now();
    network.cut();
    // Bob's picture of Alice stops while the link is down...
    await expectVideoFrozen(bob, 'Alice camera', 8_000);
    // ...and the link stays down until Alice's browser gives both media transports up (ICE "failed"): from there
    // only an ICE restart brings them back.
    await waitUntil(async () => (await peerConnections(alice)).every((pc) => pc.state === 'failed'), 'ICE to fail', 60_000);
    process.stdout.write(`ICE failed ${Date.now() - cutAt} ms after the cut\n`);
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

    // It was an ICE restart of the same two transports: the client asked for one on each, and the same peer
    // connections now talk to the server under new ICE credentials, with fresh TURN credentials.
    const restarted = (await requestsSince(alice, restoredAt, 'restartIce')) as { transportId: string }[];
    expect(new Set(restarted.map((request) => request.transportId)).size).toBe(2);
    const after = await peerConnections(alice);
    expect(after).toHaveLength(2);
    for (const [index, pc] of after.entries()) {
      expect(pc.state).toBe('connected');
      expect(pc.remoteUfrag).not.toBe(before[index]!.remoteUfrag);
      expect(pc.turnUsername).not.toBe(before[index]!.turnUsername);
    }
  }, 150_000);
});
