import type { Browser, Page } from 'playwright-core';
import { waitUntil } from './poll.ts';
import { recordPeerConnections } from './rtcStats.ts';

/**
 * A laptop-sized page (1280×800: a remote person fills a large tile) with Chromium's own 1280×720 fake camera and
 * its peer connections recorded for `getStats()`. For measuring what flows; identity tests use distinct media.
 */
export async function openLaptop(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await recordPeerConnections(page);
  return page;
}

/** Joins through the form; `watchOnly` turns camera and microphone off in the preview first (a pure viewer). */
export async function joinAs(page: Page, baseUrl: string, room: string, name: string, options: { watchOnly?: boolean } = {}) {
  await page.goto(`${baseUrl}/r/${room}`);
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  if (options.watchOnly) {
    await page.getByRole('button', { name: 'Video' }).click();
    await page.getByRole('button', { name: 'Mic' }).click();
    await waitUntil(
      async () => (await page.getByRole('button', { name: 'Video' }).getAttribute('aria-pressed')) === 'false',
      'the preview camera to be off',
    );
  }
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
}
