import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom, openPhone, tile } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';

const env = useServerAndBrowser();

/** The yellow and green pens (#ffcc00, #34c759). */
const YELLOW: [number, number, number] = [255, 204, 0];
const GREEN: [number, number, number] = [52, 199, 89];

/**
 * Whether the overlay on a screen tile has ink of `colour` within a few pixels of the point (nx, ny) of the shared
 * picture (0…1 across it, letterboxing left out), read from the overlay canvas's own pixels.
 */
async function inkAt(page: Page, label: string, nx: number, ny: number, colour = YELLOW): Promise<boolean> {
  return tile(page, label)
    .locator('canvas')
    .evaluate(
      (canvas: HTMLCanvasElement, [nx, ny, colour]) => {
        const video = canvas.parentElement?.querySelector('video');
        if (!video?.videoWidth || !canvas.width) return false;
        const scale = Math.min(canvas.clientWidth / video.videoWidth, canvas.clientHeight / video.videoHeight);
        const width = video.videoWidth * scale;
        const height = video.videoHeight * scale;
        const ratio = canvas.width / canvas.clientWidth;
        const x = Math.round(((canvas.clientWidth - width) / 2 + nx * width) * ratio);
        const y = Math.round(((canvas.clientHeight - height) / 2 + ny * height) * ratio);
        const reach = Math.round(4 * ratio);
        const pixels = canvas.getContext('2d')!.getImageData(x - reach, y - reach, reach * 2 + 1, reach * 2 + 1).data;
        for (let i = 0; i < pixels.length; i += 4) {
          const close = [0, 1, 2].every((c) => Math.abs((pixels[i + c] ?? 0) - (colour[c] ?? 0)) < 40);
          if (close && (pixels[i + 3] ?? 0) > 200) return true;
        }
        return false;
      },
      [nx, ny, colour] as const,
    );
}

/** Drags the mouse (or a finger) across the shared picture on a screen tile, from (x0, y0) to (x1, y1), normalised. */
async function drag(page: Page, label: string, from: [number, number], to: [number, number], pointer: 'mouse' | 'finger' = 'mouse'): Promise<void> {
  const video = tile(page, label).locator('video');
  const picture = await video.evaluate((element: HTMLVideoElement) => {
    const box = element.getBoundingClientRect();
    const scale = Math.min(box.width / element.videoWidth, box.height / element.videoHeight);
    const width = element.videoWidth * scale;
    const height = element.videoHeight * scale;
    return { x: box.left + (box.width - width) / 2, y: box.top + (box.height - height) / 2, width, height };
  });
  const at = ([nx, ny]: [number, number]) => [picture.x + nx * picture.width, picture.y + ny * picture.height] as const;
  if (pointer === 'finger') {
    // A real touch sequence (touchstart, touchmoves, touchend), as a phone's screen makes it.
    const cdp = await page.context().newCDPSession(page);
    const touch = async (type: 'touchStart' | 'touchMove' | 'touchEnd', [x, y]: readonly [number, number]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    const [x0, y0] = at(from);
    const [x1, y1] = at(to);
    await touch('touchStart', [x0, y0]);
    for (let step = 1; step <= 12; step++) await touch('touchMove', [x0 + ((x1 - x0) * step) / 12, y0 + ((y1 - y0) * step) / 12]);
    await touch('touchEnd', [x1, y1]);
    await cdp.detach();
    return;
  }
  await page.mouse.move(...at(from));
  await page.mouse.down();
  await page.mouse.move(...at(to), { steps: 12 });
  await page.mouse.up();
}

describe('annotations on a shared screen', () => {
  test('strokes by mouse and finger show on every page at the same place, reach a late joiner, undo everywhere, and go with the share', async () => {
    const alice = await openPhone(env.browser);
    const bob = await openPhone(env.browser);
    await joinRoom(alice.page, env.server.url, 'annotate', 'Alice', { watchOnly: true });
    await joinRoom(bob.page, env.server.url, 'annotate', 'Bob', { watchOnly: true });
    await alice.page.getByRole('button', { name: 'Share screen' }).click();
    await expectVideoPlaying(bob.page, 'Alice screen');
    await expectVideoPlaying(alice.page, 'Alice screen');

    // Bob draws a yellow line across the middle of Alice's screen.
    const bobsView = tile(bob.page, 'Alice screen');
    const draw = bobsView.getByRole('button', { name: 'Draw' });
    expect(await draw.getAttribute('aria-pressed')).toBe('false');
    await draw.click();
    expect(await draw.getAttribute('aria-pressed')).toBe('true');
    await bobsView.getByRole('radiogroup', { name: 'Pen colour' }).getByRole('radio', { name: 'Yellow' }).check();
    await drag(bob.page, 'Alice screen', [0.3, 0.5], [0.7, 0.5]);

    // Alice sees it on her own screen's tile, where Bob drew it on his: along the middle, not above it.
    for (const page of [alice.page, bob.page]) {
      await expect.poll(() => inkAt(page, 'Alice screen', 0.5, 0.5), { timeout: 10_000 }).toBe(true);
      expect(await inkAt(page, 'Alice screen', 0.35, 0.5)).toBe(true);
      expect(await inkAt(page, 'Alice screen', 0.5, 0.25)).toBe(false);
      expect(await inkAt(page, 'Alice screen', 0.9, 0.5)).toBe(false);
    }

    // Cat comes in afterwards and finds it there.
    const cat = await openPhone(env.browser);
    await joinRoom(cat.page, env.server.url, 'annotate', 'Cat', { watchOnly: true });
    await expectVideoPlaying(cat.page, 'Alice screen');
    await expect.poll(() => inkAt(cat.page, 'Alice screen', 0.5, 0.5), { timeout: 10_000 }).toBe(true);

    // Cat draws green with a finger, higher up.
    const catsView = tile(cat.page, 'Alice screen');
    await catsView.getByRole('button', { name: 'Draw' }).click();
    await catsView.getByRole('radio', { name: 'Green' }).check();
    await drag(cat.page, 'Alice screen', [0.3, 0.3], [0.7, 0.3], 'finger');
    await expect.poll(() => inkAt(alice.page, 'Alice screen', 0.5, 0.3, GREEN), { timeout: 10_000 }).toBe(true);

    // Bob's Undo takes his stroke off every page, and leaves Cat's.
    await bobsView.getByRole('button', { name: 'Undo' }).click();
    for (const page of [alice.page, bob.page, cat.page]) {
      await expect.poll(() => inkAt(page, 'Alice screen', 0.5, 0.5), { timeout: 10_000 }).toBe(false);
      expect(await inkAt(page, 'Alice screen', 0.5, 0.3, GREEN)).toBe(true);
    }

    // Another stroke, then Alice stops sharing: when she shares again, the new screen starts blank everywhere.
    await drag(bob.page, 'Alice screen', [0.2, 0.8], [0.8, 0.8]);
    await expect.poll(() => inkAt(cat.page, 'Alice screen', 0.5, 0.8), { timeout: 10_000 }).toBe(true);
    const share = alice.page.getByRole('button', { name: 'Share screen' });
    await share.click();
    await expect.poll(() => tile(cat.page, 'Alice screen').count(), { timeout: 10_000 }).toBe(0);
    await share.click();
    for (const page of [alice.page, bob.page, cat.page]) {
      await expectVideoPlaying(page, 'Alice screen');
      expect(await inkAt(page, 'Alice screen', 0.5, 0.8)).toBe(false);
      expect(await inkAt(page, 'Alice screen', 0.5, 0.3, GREEN)).toBe(false);
    }

    for (const { context } of [alice, bob, cat]) await context.close();
  });
});
