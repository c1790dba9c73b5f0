/**
 * Makes the PWA's images once, to be committed: PNG icons (192, 512, a maskable 512 with the glyph inside the safe
 * zone, the 180 px apple-touch-icon) rendered from public/icon.svg, and the install sheet's screenshots (narrow: a
 * phone's join screen; wide: a desktop call) taken of the real app. Headless Chromium renders both.
 *
 *   bash scripts/build-client.sh && node scripts/make-pwa-assets.ts && bash scripts/build-client.sh
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { joinRoom, launchBrowser } from '../test/support/browser.ts';
import { startServer } from '../test/support/server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const publicDir = path.join(root, 'public');
const svg = readFileSync(path.join(publicDir, 'icon.svg'), 'utf8');
// The icon's own background; a full-bleed icon is filled with it (iOS would fill transparency with black).
const fill = /<rect[^>]*fill="(#[0-9a-f]{6})"/i.exec(svg)?.[1] ?? '#000000';

/**
 * `glyphScale` of the size holds the whole icon. Maskable icons are cropped by the launcher to as little as a
 * circle of 80 % of the size, so there the icon sits at 80 % on a full-bleed background.
 */
async function renderIcon(browser: Browser, size: number, file: string, options: { fullBleed: boolean; glyphScale: number }) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  const inner = Math.round(size * options.glyphScale);
  const background = options.fullBleed ? fill : 'transparent';
  await page.setContent(
    `<body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${background}">` +
      `<img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}" width="${inner}" height="${inner}"></body>`,
  );
  await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
  await page.screenshot({ path: path.join(publicDir, file), omitBackground: !options.fullBleed });
  await page.close();
}

async function screenshots(browser: Browser) {
  const server = await startServer();
  try {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true });
    const join = await phone.newPage();
    await join.goto(`${server.url}/`);
    await join.getByRole('textbox', { name: 'Name' }).fill('Alice');
    await join.locator('video').first().waitFor({ timeout: 10_000 });
    await join.screenshot({ path: path.join(publicDir, 'screenshots/narrow.png') });
    await phone.close();

    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const alice = await desktop.newPage();
    const bob = await desktop.newPage();
    await joinRoom(alice, server.url, 'standup', 'Alice');
    await joinRoom(bob, server.url, 'standup', 'Bob');
    await alice.bringToFront();
    await alice.locator('[aria-label="Bob camera"] video').waitFor({ timeout: 15_000 });
    await alice.waitForFunction(() => [...document.querySelectorAll('video')].every((video) => video.videoWidth > 0));
    await alice.screenshot({ path: path.join(publicDir, 'screenshots/wide.png') });
    await desktop.close();
  } finally {
    await server.stop();
  }
}

const browser = await launchBrowser();
try {
  await renderIcon(browser, 192, 'icons/icon-192.png', { fullBleed: false, glyphScale: 1 });
  await renderIcon(browser, 512, 'icons/icon-512.png', { fullBleed: false, glyphScale: 1 });
  await renderIcon(browser, 512, 'icons/maskable-512.png', { fullBleed: true, glyphScale: 0.8 });
  await renderIcon(browser, 180, 'apple-touch-icon.png', { fullBleed: true, glyphScale: 0.9 });
  await screenshots(browser);
} finally {
  await browser.close();
}
