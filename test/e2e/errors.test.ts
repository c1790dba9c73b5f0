import { chromium } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom, openPhone, PHONE, tile } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { startServer } from '../support/server.ts';

const env = useServerAndBrowser({ MAX_PEERS_PER_ROOM: '2' });

describe('errors in words', () => {
  test('camera and microphone blocked: the person joins anyway and is told how to allow them', async () => {
    // Without --use-fake-ui-for-media-stream, headless Chromium denies the permission, as a person tapping "Block".
    const blocked = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--disable-gpu', '--allow-loopback-in-peer-connection'],
    });
    try {
      const page = await (await blocked.newContext({ viewport: PHONE })).newPage();
      await joinRoom(page, env.server.url, 'blocked', 'Dana');
      await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/blocked.*site settings/i);
      expect(await page.getByRole('button', { name: 'Camera' }).getAttribute('aria-pressed')).toBe('false');
      expect(await page.getByRole('button', { name: 'Microphone' }).getAttribute('aria-pressed')).toBe('false');

      // Others see Dana's tile with her initials.
      const other = await openPhone(env.browser);
      await joinRoom(other.page, env.server.url, 'blocked', 'Eve');
      await expect.poll(() => tile(other.page, 'Dana camera').getByText('DA', { exact: true }).isVisible()).toBe(true);
      await other.context.close();
    } finally {
      await blocked.close();
    }
  });

  test('a full room is refused with a sentence on the join screen', async () => {
    const people = await Promise.all([openPhone(env.browser), openPhone(env.browser), openPhone(env.browser)]);
    await joinRoom(people[0]!.page, env.server.url, 'small', 'One');
    await joinRoom(people[1]!.page, env.server.url, 'small', 'Two');
    const third = people[2]!.page;
    await third.goto(`${env.server.url}/r/small`);
    await third.getByRole('textbox', { name: 'Name' }).fill('Three');
    await third.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => third.getByRole('alert').textContent()).toMatch(/full/);
    expect(await third.getByRole('button', { name: 'Join' }).isVisible()).toBe(true);
    for (const { context } of people) await context.close();
  });

  test('server unreachable: the call says so in words, keeps trying, and joins once the server is back', async () => {
    const lonely = await startServer();
    const { context, page } = await openPhone(env.browser);
    // Counts the page's connection attempts.
    await page.addInitScript(() => {
      const counter = window as unknown as { __attempts: number };
      counter.__attempts = 0;
      window.WebSocket = class extends window.WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          counter.__attempts++;
        }
      };
    });
    const attempts = () => page.evaluate(() => (window as unknown as { __attempts: number }).__attempts);
    await page.goto(`${lonely.url}/r/gone`);
    // The service worker has the whole app (room code included) once it is active.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await lonely.stop();
    await page.getByRole('textbox', { name: 'Name' }).fill('Fay');
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('status').filter({ hasText: "Can't reach the server" }).waitFor({ timeout: 15_000 });
    // It keeps trying after saying so (its retries wait at most 10 s each)...
    const told = await attempts();
    await expect.poll(attempts, { timeout: 40_000 }).toBeGreaterThanOrEqual(told + 3);

    // ...so once the same server is back on the same address, the page gets in by itself.
    const back = await startServer({ PORT: String(lonely.port) });
    try {
      await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
      const other = await openPhone(env.browser);
      await joinRoom(other.page, back.url, 'gone', 'Gus');
      await expectVideoPlaying(other.page, 'Fay camera');
      await other.context.close();
    } finally {
      await context.close();
      await back.stop();
    }
  });
});
