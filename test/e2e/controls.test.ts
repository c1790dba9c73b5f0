import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { audioPeak, countTiles, expectVideoPlaying, joinRoom, openPhone, tile } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { expectTileShows, expectTileSounds, MEDIA_OF } from '../support/fakeMedia.ts';

const env = useServerAndBrowser();

async function pressed(page: Page, name: string): Promise<string | null> {
  return page.getByRole('button', { name }).getAttribute('aria-pressed');
}

/** No page may scroll sideways on a phone. */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('call controls', () => {
  test('screen share is its own tile, next to the camera, and goes away when stopped', async () => {
    const alice = await openPhone(env.browser);
    const bob = await openPhone(env.browser);
    await joinRoom(alice.page, env.server.url, 'share', 'Alice');
    await joinRoom(bob.page, env.server.url, 'share', 'Bob');
    await expectVideoPlaying(bob.page, 'Alice camera');

    const share = alice.page.getByRole('button', { name: 'Share screen' });
    expect(await pressed(alice.page, 'Share screen')).toBe('false');
    // Mark the camera's <video>: the layout change for the screen must not replace (and so blank) it.
    const cameraVideo = tile(bob.page, 'Alice camera').locator('video');
    await cameraVideo.evaluate((video) => video.setAttribute('data-before-share', ''));
    await share.click();
    await expect.poll(() => pressed(alice.page, 'Share screen')).toBe('true');
    await expectVideoPlaying(bob.page, 'Alice screen');
    await expectVideoPlaying(bob.page, 'Alice camera'); // the camera stays, beside the screen
    expect(await cameraVideo.getAttribute('data-before-share')).toBe('');
    expect(await countTiles(alice.page, 'Alice screen')).toBe(1);
    expect(await horizontalOverflow(bob.page)).toBeLessThanOrEqual(0);

    await share.click();
    await expect.poll(() => pressed(alice.page, 'Share screen')).toBe('false');
    await expect.poll(() => countTiles(bob.page, 'Alice screen')).toBe(0);
    await expect.poll(() => countTiles(alice.page, 'Alice screen')).toBe(0);
    await expectVideoPlaying(bob.page, 'Alice camera');

    await alice.context.close();
    await bob.context.close();
  });

  test('camera off and on five times leaves exactly one camera tile per person on every page', async () => {
    const pages = await Promise.all(['Ann', 'Ben', 'Cem'].map(() => openPhone(env.browser)));
    const names = ['Ann', 'Ben', 'Cem'];
    for (const [index, person] of pages.entries()) await joinRoom(person.page, env.server.url, 'toggle', names[index] ?? '');
    const ann = pages[0]!.page;
    const camera = ann.getByRole('button', { name: 'Camera' });

    for (let round = 0; round < 5; round++) {
      await camera.click();
      await expect.poll(() => pressed(ann, 'Camera')).toBe('false');
      await camera.click();
      await expect.poll(() => pressed(ann, 'Camera')).toBe('true');
    }

    for (const { page } of pages) {
      for (const name of names) expect(await countTiles(page, `${name} camera`)).toBe(1);
    }
    // And Ann's camera really plays again for the others.
    await expectVideoPlaying(pages[1]!.page, 'Ann camera');
    await expectVideoPlaying(pages[2]!.page, 'Ann camera');

    // Camera off: the tile stays (initials instead of video), and shows no stale picture.
    await camera.click();
    await expect.poll(() => pressed(ann, 'Camera')).toBe('false');
    const bensView = tile(pages[1]!.page, 'Ann camera');
    await expect.poll(() => bensView.locator('video').isHidden()).toBe(true);
    await expect.poll(() => bensView.getByText('AN', { exact: true }).isVisible()).toBe(true);

    for (const { context } of pages) await context.close();
  });

  test('microphone mute silences the person for the others and shows on their tile', async () => {
    const alice = await openPhone(env.browser, { media: MEDIA_OF.Alice });
    const bob = await openPhone(env.browser, { media: MEDIA_OF.Bob });
    await joinRoom(alice.page, env.server.url, 'mute', 'Alice');
    await joinRoom(bob.page, env.server.url, 'mute', 'Bob');
    expect(await pressed(alice.page, 'Microphone')).toBe('true');
    const badge = tile(bob.page, 'Alice camera').getByTitle('Microphone off');

    // Bob hears Alice (her own tone), and only then is "no badge" a statement about an unmuted Alice.
    await expectTileSounds(bob.page, 'Alice camera', MEDIA_OF.Alice);
    expect(await badge.count()).toBe(0);

    await alice.page.getByRole('button', { name: 'Microphone' }).click();
    await expect.poll(() => pressed(alice.page, 'Microphone')).toBe('false');
    await expect.poll(() => badge.count()).toBe(1);
    // Muted means silent for the others, not just an icon.
    await expect.poll(() => audioPeak(bob.page, 'Alice camera'), { timeout: 10_000 }).toBeLessThan(0.005);

    await alice.page.getByRole('button', { name: 'Microphone' }).click();
    await expect.poll(() => badge.count()).toBe(0);
    await expectTileSounds(bob.page, 'Alice camera', MEDIA_OF.Alice);
    await alice.context.close();
    await bob.context.close();
  });

  test('joining muted with the camera off, chosen on the join screen, and turning both on in the call', async () => {
    const alice = await openPhone(env.browser, { media: MEDIA_OF.Alice });
    const bob = await openPhone(env.browser, { media: MEDIA_OF.Bob });
    await joinRoom(bob.page, env.server.url, 'quiet', 'Bob');
    await alice.page.goto(`${env.server.url}/r/quiet`);
    await alice.page.getByRole('textbox', { name: 'Name' }).fill('Alice');
    await alice.page.getByRole('button', { name: 'Video' }).click();
    await alice.page.getByRole('button', { name: 'Mic' }).click();
    expect(await pressed(alice.page, 'Video')).toBe('false');
    await alice.page.getByRole('button', { name: 'Join' }).click();
    await alice.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();

    expect(await pressed(alice.page, 'Camera')).toBe('false');
    expect(await pressed(alice.page, 'Microphone')).toBe('false');
    const seenByBob = tile(bob.page, 'Alice camera');
    await expect.poll(() => seenByBob.getByText('AL', { exact: true }).isVisible()).toBe(true);
    await expect.poll(() => seenByBob.getByTitle('Microphone off').count()).toBe(1);

    await alice.page.getByRole('button', { name: 'Camera' }).click();
    await alice.page.getByRole('button', { name: 'Microphone' }).click();
    await expectVideoPlaying(bob.page, 'Alice camera');
    await expectTileShows(bob.page, 'Alice camera', MEDIA_OF.Alice);
    await expectTileSounds(bob.page, 'Alice camera', MEDIA_OF.Alice);
    await expect.poll(() => seenByBob.getByTitle('Microphone off').count()).toBe(0);
    await alice.context.close();
    await bob.context.close();
  });
});
