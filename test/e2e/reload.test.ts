import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { countTiles, expectVideoPlaying, joinAliceAndBob, peerIdOf } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { waitUntil } from '../support/poll.ts';

// The default grace (30 s): a closed page must leave well before it runs out.
const env = useServerAndBrowser({ PEER_GRACE_MS: '30000' });

/** Counts `label` tiles on every change of the page from now on; read the highest count with `maxTiles`. */
async function watchTileCount(page: Page, label: string): Promise<void> {
  await page.evaluate((watched) => {
    const count = () => document.querySelectorAll(`[aria-label="${watched}"]`).length;
    const state = window as unknown as { maxTiles: number };
    state.maxTiles = count();
    new MutationObserver(() => (state.maxTiles = Math.max(state.maxTiles, count()))).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['aria-label'],
    });
  }, label);
}

const maxTiles = (page: Page) => page.evaluate(() => (window as unknown as { maxTiles: number }).maxTiles);

describe('reload and close', () => {
  test('Bob reloads: he is back as the same person, never shown twice, and video flows both ways again', async () => {
    const { alice, bob } = await joinAliceAndBob(env.browser, env.server.url, 'reload');
    const bobId = await peerIdOf(alice.page, 'Bob camera');
    await watchTileCount(alice.page, 'Bob camera');

    await bob.page.reload();
    // Straight back into the call, without the join screen.
    await bob.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
    await expectVideoPlaying(alice.page, 'Bob camera');
    await expectVideoPlaying(bob.page, 'Alice camera');

    expect(await peerIdOf(alice.page, 'Bob camera')).toBe(bobId);
    expect(await maxTiles(alice.page)).toBe(1);
    expect(await countTiles(bob.page, 'Bob camera')).toBe(1);
    expect(env.server.output()).toContain('peer resumed');
    await alice.context.close();
    await bob.context.close();
  });

  test('a reload whose camera prompt outlasts the goodbye grace still brings Bob back as himself', async () => {
    const { alice, bob } = await joinAliceAndBob(env.browser, env.server.url, 'slow-prompt');
    const bobId = await peerIdOf(alice.page, 'Bob camera');
    // After the reload the phone asks for the camera again, and Bob takes 7 s to tap Allow (the grace is 5 s).
    await bob.context.addInitScript(() => {
      const media = navigator.mediaDevices;
      const original = media.getUserMedia.bind(media);
      media.getUserMedia = async (constraints) => {
        const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
        if (navigation?.type === 'reload') await new Promise((resolve) => setTimeout(resolve, 7_000));
        return original(constraints);
      };
    });
    await watchTileCount(alice.page, 'Bob camera');

    await bob.page.reload();
    await expectVideoPlaying(alice.page, 'Bob camera', 25_000);
    await expectVideoPlaying(bob.page, 'Alice camera');
    expect(await peerIdOf(alice.page, 'Bob camera')).toBe(bobId);
    expect(await maxTiles(alice.page)).toBe(1);
    await alice.context.close();
    await bob.context.close();
  });

  test('Bob closes his page: his tile leaves Alice within seconds, not after the 30 s grace', async () => {
    const { alice, bob } = await joinAliceAndBob(env.browser, env.server.url, 'close');
    const closedAt = Date.now();
    await bob.page.close();
    await waitUntil(async () => (await countTiles(alice.page, 'Bob camera')) === 0, 'Bob to leave Alice’s page', 10_000);
    expect(Date.now() - closedAt).toBeLessThan(10_000);
    expect(await alice.page.getByText('Just you').isVisible()).toBe(true);
    await alice.context.close();
    await bob.context.close();
  });
});
