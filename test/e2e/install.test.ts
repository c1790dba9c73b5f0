import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LAUNCH_ARGS, openPhone, PHONE } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';

const env = useServerAndBrowser();

/** A browser profile on disk, as a person's: Chromium only judges installability in a persistent one. */
let profileDir: string;
let profile: BrowserContext;
beforeAll(async () => {
  profileDir = mkdtempSync(path.join(os.tmpdir(), 'huddle-profile-'));
  profile = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: PHONE,
    args: [...LAUNCH_ARGS, '--bypass-app-banner-engagement-checks'],
  });
});
afterAll(async () => {
  await profile?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

/**
 * Fires what Chromium fires when the app may be installed: a cancelable `beforeinstallprompt` whose prompt() counts
 * its calls in `window.prompted` and whose userChoice settles with `outcome` (or never). Resolves to whether the
 * page held the browser's own offer back (preventDefault), two frames later (time enough to render a button).
 */
async function offerInstall(page: Page, outcome?: 'accepted' | 'dismissed'): Promise<boolean> {
  return page.evaluate(async (choice) => {
    const counter = window as unknown as { prompted: number };
    counter.prompted = 0;
    const offer = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
      prompt: () => {
        counter.prompted++;
        return Promise.resolve();
      },
      userChoice: choice ? Promise.resolve({ outcome: choice, platform: 'web' }) : new Promise(() => {}),
    });
    window.dispatchEvent(offer);
    for (let frame = 0; frame < 2; frame++) await new Promise(requestAnimationFrame);
    return offer.defaultPrevented;
  }, outcome);
}

describe('installing the app', () => {
  test("Chromium's installability check finds nothing missing, and the browser's own install offer becomes Install app", async () => {
    const page = await profile.newPage();
    await page.goto(env.server.url);
    const cdp = await profile.newCDPSession(page);
    // The manifest, its icons and the service worker load after the page: ask until Chromium has judged them all.
    let errors: unknown[] = [];
    await expect
      .poll(
        async () => {
          ({ installabilityErrors: errors } = await cdp.send('Page.getInstallabilityErrors'));
          return errors;
        },
        { timeout: 15_000 },
      )
      .toEqual([]);
    const { errors: manifestErrors, data, manifest } = await cdp.send('Page.getAppManifest', {});
    expect(manifestErrors).toEqual([]);
    const base = env.server.url;
    expect(manifest).toMatchObject({ id: `${base}/`, scope: `${base}/`, startUrl: `${base}/`, display: 'kStandalone' });
    // Android's launcher crops a maskable icon to its own shape; without one it shrinks the icon onto white.
    const declared = JSON.parse(data ?? '{}') as { icons?: { sizes: string; purpose?: string; type: string }[] };
    expect(declared.icons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sizes: '192x192', type: 'image/png' }),
        expect.objectContaining({ sizes: '512x512', type: 'image/png', purpose: 'any' }),
        expect.objectContaining({ sizes: '512x512', type: 'image/png', purpose: 'maskable' }),
      ]),
    );
    // The richer install sheet shows screenshots of both shapes.
    expect(manifest.screenshots?.map((screenshot) => screenshot.formFactor).sort()).toEqual(['kNarrow', 'kWide']);
    // Every image is really there, at the size the manifest (or the apple-touch-icon) claims.
    const appleTouchIcon = await page.locator('link[rel="apple-touch-icon"]').evaluate((link: HTMLLinkElement) => link.href);
    const images = [
      ...(manifest.icons ?? []).filter((icon) => icon.type === 'image/png'),
      ...(manifest.screenshots ?? []).map((screenshot) => screenshot.image),
      { url: appleTouchIcon, sizes: '180x180' },
    ];
    for (const { url, sizes } of images) {
      const actual = await page.evaluate(async (src) => {
        const image = new Image();
        image.src = src;
        await image.decode();
        return `${image.naturalWidth}x${image.naturalHeight}`;
      }, url);
      expect(actual, url).toBe(sizes);
    }
    expect(await page.locator('meta[name="apple-mobile-web-app-capable"]').getAttribute('content')).toBe('yes');
    // Chromium itself offers the install (beforeinstallprompt), and the join screen turns it into a button.
    await page.getByRole('button', { name: 'Install app' }).waitFor({ timeout: 15_000 });
    await page.close();
  });

  test('Install app shows the browser install dialog', async () => {
    const { context, page } = await openPhone(env.browser);
    await page.goto(env.server.url);
    await page.getByRole('button', { name: 'Join' }).waitFor();
    expect(await page.getByRole('button', { name: 'Install app' }).count()).toBe(0);
    const heldBack = await offerInstall(page, 'accepted');
    // The browser's own mini-infobar is held back: the app offers installing where the person looks.
    expect(heldBack).toBe(true);
    await page.getByRole('button', { name: 'Install app' }).click();
    expect(await page.evaluate(() => (window as unknown as { prompted: number }).prompted)).toBe(1);
    // Installed: nothing left to offer.
    await expect.poll(() => page.getByRole('button', { name: 'Install app' }).count(), { timeout: 10_000 }).toBe(0);
    await context.close();
  });

  test('an installed app offers no Install app', async () => {
    const { context, page } = await openPhone(env.browser);
    await page.goto(env.server.url);
    await page.getByRole('button', { name: 'Join' }).waitFor();
    await offerInstall(page);
    await page.getByRole('button', { name: 'Install app' }).waitFor({ timeout: 10_000 });
    // Installed from the browser's menu instead.
    await page.evaluate(() => window.dispatchEvent(new Event('appinstalled')));
    await expect.poll(() => page.getByRole('button', { name: 'Install app' }).count(), { timeout: 10_000 }).toBe(0);
    await context.close();
  });

  test('the app opened from the home screen offers no Install app', async () => {
    const { context, page } = await openPhone(env.browser);
    // Headless Chromium has no app window, so display-mode is made to say what an installed app's window says.
    await page.addInitScript(() => {
      const real = window.matchMedia.bind(window);
      window.matchMedia = (query: string) => real(query === '(display-mode: standalone)' ? 'all' : query);
    });
    await page.goto(env.server.url);
    await page.getByRole('button', { name: 'Join' }).waitFor();
    await offerInstall(page);
    expect(await page.getByRole('button', { name: 'Install app' }).count()).toBe(0);
    await context.close();
  });
});
