import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom, openPhone, tile } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { MEDIA_OF } from '../support/fakeMedia.ts';
import { highlighted, setMic } from '../support/speaker.ts';

const env = useServerAndBrowser();

const NAMES = ['Alice', 'Bob', 'Carol'] as const;

describe('active speaker', () => {
  test('the one person talking is highlighted on every page, and the highlight follows who talks', async () => {
    const people = await Promise.all(NAMES.map((name) => openPhone(env.browser, { media: MEDIA_OF[name] })));
    const pages = people.map((person) => person.page);
    for (const [index, page] of pages.entries()) await joinRoom(page, env.server.url, 'speaker', NAMES[index]!);
    const [alice, bob, carol] = pages as [Page, Page, Page];
    await expectVideoPlaying(alice, 'Carol camera');
    await expectVideoPlaying(carol, 'Alice camera');

    // Only Alice talks: every page rings her camera, and a screen reader hears "speaking" in her caption.
    await setMic(bob, false);
    await setMic(carol, false);
    for (const page of pages) await expect.poll(() => highlighted(page), { timeout: 15_000 }).toEqual(['Alice camera']);
    expect(await tile(bob, 'Alice camera').locator('figcaption').textContent()).toContain('speaking');
    // Three cameras and no shared screen: on the others' phones she is drawn large, first and full width.
    const big = await tile(bob, 'Alice camera').boundingBox();
    const small = await tile(bob, 'Carol camera').boundingBox();
    expect(big!.y).toBeLessThan(small!.y);
    expect(big!.width * big!.height).toBeGreaterThan(2 * small!.width * small!.height);
    await bob.screenshot({ path: 'test-results/active-speaker-390x844.png' });

    // Alice stops, Bob starts: the highlight moves to Bob everywhere within a few seconds.
    const videoBefore = tile(carol, 'Bob camera').locator('video');
    await videoBefore.evaluate((video) => video.setAttribute('data-before-switch', ''));
    const switchedAt = Date.now();
    await setMic(alice, false);
    await setMic(bob, true);
    for (const page of pages) await expect.poll(() => highlighted(page), { timeout: 10_000 }).toEqual(['Bob camera']);
    const movedMs = Date.now() - switchedAt;
    console.log(`active speaker: highlight moved on all three pages ${movedMs} ms after the mic switch`);
    expect(movedMs).toBeLessThan(5_000);
    // Going large re-placed Bob's tile, it did not re-mount it: the same <video>, still playing.
    expect(await tile(carol, 'Bob camera').locator('video').getAttribute('data-before-switch')).toBe('');
    await expectVideoPlaying(carol, 'Bob camera');

    // Bob mutes too: nobody speaks, nobody is highlighted.
    await setMic(bob, false);
    for (const page of pages) await expect.poll(() => highlighted(page), { timeout: 10_000 }).toEqual([]);

    await Promise.all(people.map((person) => person.context.close()));
  }, 60_000);
});
