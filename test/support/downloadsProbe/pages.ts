import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PHONE } from '../browser.ts';
import type { DownloadsProbe } from './page.ts';

export type ProbeWindow = { downloadsProbe: DownloadsProbe };

/** A phone page of the built app at `baseUrl`, controlled by its service worker, with the probe loaded. */
export async function controlledPage(browser: Browser, baseUrl: string, probeScript: string): Promise<{ context: BrowserContext; page: Page }> {
  // The probe is an inline script: the app's CSP would refuse it.
  const context = await browser.newContext({ viewport: PHONE, acceptDownloads: true, bypassCSP: true });
  const page = await context.newPage();
  await page.goto(baseUrl);
  await loadProbe(page, probeScript);
  return { context, page };
}

/** Loads the probe into the page once a service worker controls it (again after each navigation). */
export async function loadProbe(page: Page, probeScript: string): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
  await page.addScriptTag({ content: probeScript });
}
