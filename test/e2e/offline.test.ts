import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { joinRoom, openPhone } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const env = useServerAndBrowser();

/** The script URL of the service worker controlling the page, once one does. */
async function controlledBy(page: Page): Promise<string> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
  return page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? '');
}

describe('the service worker', () => {
  test('controls the page from the first visit, without a reload', async () => {
    const { context, page } = await openPhone(env.browser);
    await page.goto(env.server.url);
    expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
    expect(await controlledBy(page)).toBe(`${env.server.url}/sw.js`);
    // Still the same document: no reload happened on the way.
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    expect(await page.getByRole('button', { name: 'Reload to update' }).count()).toBe(0);
    await context.close();
  });

  test('offline, a reload of the start page or of a room link still opens the app', async () => {
    const { context, page } = await openPhone(env.browser);
    await page.goto(env.server.url);
    await controlledBy(page);
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('textbox', { name: 'Name' }).waitFor({ timeout: 10_000 });
    await page.goto(`${env.server.url}/r/offline-standup`);
    await page.getByText('You\'re invited to “offline-standup”.').waitFor({ timeout: 10_000 });
    expect(await page.getByRole('textbox', { name: 'Room' }).inputValue()).toBe('offline-standup');
    expect(await page.getByRole('button', { name: 'Join' }).isVisible()).toBe(true);
    await context.close();
  });

  test('offline, a reload during a call opens the room view, which says it cannot reach the server', async () => {
    const { context, page } = await openPhone(env.browser);
    await joinRoom(page, env.server.url, 'offline-call', 'Ada');
    await controlledBy(page);
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('status').filter({ hasText: "Can't reach the server" }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'Leave' }).isVisible()).toBe(true);
    await context.close();
  });

  test("never answers the server's own addresses with the app", async () => {
    const { context, page } = await openPhone(env.browser);
    await page.goto(env.server.url);
    await controlledBy(page);
    for (const address of ['/metrics', '/healthz', '/api/phone-link']) {
      const response = await page.goto(`${env.server.url}${address}`);
      expect(response?.fromServiceWorker(), address).toBe(false);
      expect(await page.locator('#app').count(), address).toBe(0);
    }
    await context.close();
  });
});

describe('a new version', () => {
  // The server serves a copy of the build whose service worker the test then changes, as a deploy would.
  let staticDir: string;
  let server: RunningServer;
  beforeAll(async () => {
    staticDir = mkdtempSync(path.join(os.tmpdir(), 'huddle-dist-'));
    cpSync('dist', staticDir, { recursive: true });
    server = await startServer({ STATIC_DIR: staticDir });
  });
  afterAll(async () => {
    await server?.stop();
    if (staticDir) rmSync(staticDir, { recursive: true, force: true });
  });

  test('is offered as Reload to update, and a tap reloads the page under it', async () => {
    const { context, page } = await openPhone(env.browser);
    await page.goto(server.url);
    await controlledBy(page);

    // Deploy: a changed service worker that can say which version it is.
    const worker = path.join(staticDir, 'sw.js');
    writeFileSync(
      worker,
      `${readFileSync(worker, 'utf8')}\nself.addEventListener('message', (event) => { if (event.data === 'VERSION') event.ports[0]?.postMessage('v2'); });\n`,
    );
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((registration) => registration?.update()));
    const reload = page.getByRole('button', { name: 'Reload to update' });
    await reload.waitFor({ timeout: 15_000 });
    // Nothing switches by itself: the old version keeps the page until the person taps.
    expect(await page.getByRole('status').filter({ hasText: 'new version' }).isVisible()).toBe(true);

    await page.evaluate(() => void ((window as unknown as { beforeUpdate: boolean }).beforeUpdate = true));
    await reload.click();
    await page.waitForFunction(() => !(window as unknown as { beforeUpdate?: boolean }).beforeUpdate, undefined, { timeout: 15_000 });
    await page.getByRole('textbox', { name: 'Name' }).waitFor();
    await controlledBy(page);
    const version = await page.evaluate(
      () =>
        new Promise<unknown>((resolve) => {
          const channel = new MessageChannel();
          channel.port1.onmessage = (event) => resolve(event.data);
          navigator.serviceWorker.controller?.postMessage('VERSION', [channel.port2]);
          setTimeout(() => resolve('no answer'), 5_000);
        }),
    );
    expect(version).toBe('v2');
    expect(await page.getByRole('button', { name: 'Reload to update' }).count()).toBe(0);
    await context.close();
  });
});
