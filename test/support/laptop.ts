import type { Browser, Page } from 'playwright-core';
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
