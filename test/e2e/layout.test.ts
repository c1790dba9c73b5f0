import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';

const env = useServerAndBrowser();

const PORTRAIT = { width: 390, height: 844 };
const LANDSCAPE = { width: 844, height: 390 };

/** How far the page reaches past the viewport: must be 0 both ways on a phone (no scrolling around the call). */
async function overflow(page: Page) {
  return page.evaluate(() => ({
    x: document.documentElement.scrollWidth - window.innerWidth,
    y: document.documentElement.scrollHeight - window.innerHeight,
  }));
}

/** Every visible button must be a comfortable touch target. */
async function smallButtons(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('button')]
      .filter((button) => button.offsetParent !== null)
      .map((button) => ({ name: button.getAttribute('aria-label') ?? button.textContent ?? '', box: button.getBoundingClientRect() }))
      .filter(({ box }) => box.width < 44 || box.height < 44)
      .map(({ name, box }) => `${name} ${box.width}×${box.height}`),
  );
}

async function phone(viewport: { width: number; height: number }) {
  const context = await env.browser.newContext({ viewport, hasTouch: true });
  return { context, page: await context.newPage() };
}

describe('phone layout', () => {
  test('the join screen fits a 390×844 phone', async () => {
    const { context, page } = await phone(PORTRAIT);
    await page.goto(env.server.url);
    expect(await overflow(page)).toEqual({ x: 0, y: 0 });
    expect(await smallButtons(page)).toEqual([]);
    await context.close();
  });

  test('a call of 1, 2 and 4 people fits without scrolling, upright and on its side', async () => {
    const people = await Promise.all(['P1', 'P2', 'P3', 'P4'].map(() => phone(PORTRAIT)));
    const first = people[0]!.page;
    for (const [index, person] of people.entries()) {
      await joinRoom(person.page, env.server.url, 'layout', `P${index + 1}`);
      const count = index + 1;
      if (count === 3) continue;
      if (count > 1) await expectVideoPlaying(first, `P${count} camera`);
      for (const viewport of [PORTRAIT, LANDSCAPE]) {
        await first.setViewportSize(viewport);
        // The resize has been laid out and painted once the page has drawn two frames since.
        await first.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        expect(await overflow(first), `${count} people at ${viewport.width}×${viewport.height}`).toEqual({ x: 0, y: 0 });
        expect(await smallButtons(first)).toEqual([]);
        // Every tile is on screen.
        const offscreen = await first.locator('figure').evaluateAll((tiles) =>
          tiles.filter((tile) => {
            const box = tile.getBoundingClientRect();
            return box.right > window.innerWidth + 1 || box.bottom > window.innerHeight + 1 || box.width < 40;
          }).length,
        );
        expect(offscreen).toBe(0);
      }
      await first.setViewportSize(PORTRAIT);
    }
    for (const { context } of people) await context.close();
  });

  test('each labelled control is found by its name alone, exactly once (how people and checks find them)', async () => {
    const { context, page } = await phone(PORTRAIT);
    await page.goto(`${env.server.url}/r/names`);
    // Playwright, like screen-reader search, matches names by substring: no other control may contain these.
    for (const [role, name] of [['textbox', 'Name'], ['textbox', 'Room'], ['button', 'Join']] as const) {
      expect(await page.getByRole(role, { name }).count(), name).toBe(1);
    }
    await joinRoom(page, env.server.url, 'names', 'Solo');
    for (const name of ['Microphone', 'Camera', 'Share screen', 'Leave']) {
      expect(await page.getByRole('button', { name }).count(), name).toBe(1);
      const state = await page.getByRole('button', { name }).getAttribute('aria-pressed');
      if (name === 'Leave') expect(state).toBeNull();
      else expect(state, `${name} says whether it is on`).toMatch(/^(true|false)$/);
    }
    await context.close();
  });
});
