import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { snapshot, type Result } from 'lighthouse';
import puppeteer from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LAUNCH_ARGS } from '../support/browser.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/**
 * Lighthouse (mobile, as in Chrome's DevTools) on the join screen and in a call: accessibility stays at 100 and best
 * practices at 95 or more. It runs offline: Debian's Chromium, nothing fetched from the internet.
 */
const CATEGORIES = ['accessibility', 'best-practices'];

let server: RunningServer;
let chrome: chromeLauncher.LaunchedChrome;
beforeAll(async () => {
  [server, chrome] = await Promise.all([
    startServer(),
    chromeLauncher.launch({
      chromePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Every host but the test server's fails to resolve: the scores must not depend on the internet.
      chromeFlags: ['--headless=new', ...LAUNCH_ARGS, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    }),
  ]);
});
afterAll(async () => {
  chrome?.kill();
  await server?.stop();
});

type Scores = Record<string, { score: number | null; failing: string[] }>;

/** Each category's score and the audits that failed in it (so a failure says what to fix). */
function scoresOf(lhr: Result): Scores {
  const scores: Scores = {};
  for (const id of CATEGORIES) {
    const category = lhr.categories[id]!;
    const failing = category.auditRefs.map((ref) => ref.id).filter((audit) => lhr.audits[audit]?.score === 0);
    scores[id] = { score: category.score, failing };
  }
  return scores;
}

describe('Lighthouse', () => {
  test('the join screen: accessibility 100, best practices 95 or more', async () => {
    const result = await lighthouse(`${server.url}/`, { port: chrome.port, logLevel: 'error', onlyCategories: CATEGORIES });
    const scores = scoresOf(result!.lhr);
    expect(scores.accessibility).toEqual({ score: 1, failing: [] });
    expect(scores['best-practices']!.score).toBeGreaterThanOrEqual(0.95);
  });

  test('in a call: accessibility 100, best practices 95 or more', async () => {
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
    const page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await page.goto(`${server.url}/r/lighthouse`);
    await page.locator('::-p-aria(Name[role="textbox"])').fill('Alice');
    await page.locator('::-p-aria(Join[role="button"])').click();
    await page.locator('::-p-aria([role="status"])').filter((status) => status.textContent?.includes('Connected') ?? false).setTimeout(20_000).wait();
    const result = await snapshot(page, { config: { extends: 'lighthouse:default', settings: { onlyCategories: CATEGORIES } } });
    const scores = scoresOf(result!.lhr);
    await page.close();
    await browser.disconnect();
    expect(scores.accessibility).toEqual({ score: 1, failing: [] });
    expect(scores['best-practices']!.score).toBeGreaterThanOrEqual(0.95);
  });
});
