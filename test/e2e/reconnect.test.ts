import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { countTiles, expectVideoPlaying, joinAliceAndBob, joinRoom, launchBrowser, openPhone, peerIdOf } from '../support/browser.ts';
import { expectTileShows, MEDIA_OF } from '../support/fakeMedia.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { WsClient } from '../support/wsClient.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

async function dropSocket(server: RunningServer, peerId: string): Promise<void> {
  const response = await fetch(`${server.url}/__test/drop?peer=${peerId}`, { method: 'POST' });
  expect(await response.json()).toEqual({ dropped: 1 });
}

describe('reconnection', () => {
  test('a server-side drop of a socket: the peer resumes and its media plays on within 5 s', async () => {
    const server = await startServer();
    try {
      const { alice, bob } = await joinAliceAndBob(browser, server.url, 'drop');
      const aliceId = await peerIdOf(bob.page, 'Alice camera');

      const droppedAt = Date.now();
      await dropSocket(server, aliceId);
      await expectVideoPlaying(bob.page, 'Alice camera', 5_000);
      await alice.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 5_000 });
      await expectVideoPlaying(alice.page, 'Bob camera', 5_000);
      expect(Date.now() - droppedAt).toBeLessThan(5_000 + 2_000); // two playback checks take up to ~1 s each

      // The same peer came back: no duplicate tiles, same identity.
      expect(await peerIdOf(bob.page, 'Alice camera')).toBe(aliceId);
      expect(await countTiles(bob.page, 'Alice camera')).toBe(1);
      expect(await countTiles(alice.page, 'Bob camera')).toBe(1);
      expect(server.output()).toContain('peer resumed');

      // The resumed Alice still hears from the room: Carol, joining after the resume, appears on her page.
      const carol = await openPhone(browser, { media: MEDIA_OF.Carol });
      await joinRoom(carol.page, server.url, 'drop', 'Carol');
      await expectVideoPlaying(alice.page, 'Carol camera');
      await expectTileShows(alice.page, 'Carol camera', MEDIA_OF.Carol);
      await expectTileShows(carol.page, 'Alice camera', MEDIA_OF.Alice);
      await carol.context.close();
      await alice.context.close();
      await bob.context.close();
    } finally {
      await server.stop();
    }
  });

  test('when the server has already let the peer go, the app joins afresh and republishes its media', async () => {
    const server = await startServer({ PEER_GRACE_MS: '0' });
    try {
      const { alice, bob } = await joinAliceAndBob(browser, server.url, 'rejoin');
      const oldId = await peerIdOf(bob.page, 'Alice camera');

      const droppedAt = Date.now();
      await dropSocket(server, oldId);
      // Bob sees a new Alice (new peer id) whose camera plays, within 5 s of the drop.
      await expect
        .poll(async () => (await countTiles(bob.page, 'Alice camera')) === 1 && (await peerIdOf(bob.page, 'Alice camera')) !== oldId, {
          timeout: 5_000,
        })
        .toBe(true);
      await expectVideoPlaying(bob.page, 'Alice camera', 5_000 - (Date.now() - droppedAt));
      await expectVideoPlaying(alice.page, 'Bob camera', 5_000);
      expect(await countTiles(alice.page, 'Bob camera')).toBe(1);
      expect(await countTiles(alice.page, 'Alice camera')).toBe(1);
      await alice.context.close();
      await bob.context.close();
    } finally {
      await server.stop();
    }
  });

  test('the drop hook is off unless HUDDLE_TEST_HOOKS=1: on a default server it is 404 and kicks nobody', async () => {
    const server = await startServer({}, { testHooks: false });
    try {
      const person = await WsClient.open(server.url);
      await person.request('hello', { protocolVersion: PROTOCOL_VERSION });
      const { peerId } = (await person.request('join', { room: 'hooks', name: 'Ann' })).data as { peerId: string };
      const response = await fetch(`${server.url}/__test/drop?peer=${peerId}`, { method: 'POST' });
      expect(response.status).toBe(404);
      expect(await person.request('ping')).toMatchObject({ ok: true });
      expect(person.open).toBe(true);
      person.close();
    } finally {
      await server.stop();
    }
  });
});
