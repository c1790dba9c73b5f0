import jsQR from 'jsqr';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom, openPhone, PHONE } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { waitUntil } from '../support/poll.ts';
import { startServer } from '../support/server.ts';

const env = useServerAndBrowser();

describe('HTTPS', () => {
  test('the HTTPS start serves the app, and a browser on https joins a call with one on http', async () => {
    const httpsUrl = env.server.httpsUrl;
    expect(httpsUrl).toMatch(/^https:/);
    // A phone would show the self-signed warning once; the test accepts it the way a person would.
    const secure = await env.browser.newContext({ viewport: PHONE, ignoreHTTPSErrors: true });
    const phone = await secure.newPage();
    const laptop = await openPhone(env.browser);

    const page = await phone.goto(`${httpsUrl}/r/tls`);
    expect(page?.headers()['strict-transport-security']).toMatch(/max-age=\d+/);
    await joinRoom(phone, httpsUrl!, 'tls', 'Phone');
    expect(await phone.evaluate(() => window.isSecureContext && location.protocol)).toBe('https:');
    await joinRoom(laptop.page, env.server.url, 'tls', 'Laptop');
    await expectVideoPlaying(laptop.page, 'Phone camera');
    await expectVideoPlaying(phone, 'Laptop camera');
    await secure.close();
    await laptop.context.close();
  });
});

describe('open on your phone', () => {
  const LAPTOP = { viewport: { width: 1280, height: 800 } }; // a mouse, no touch: where the button belongs

  /** Opens the join screen of `room` and resolves once its question "is there an address for phones?" is answered. */
  async function joinScreen(page: Page, baseUrl: string, room: string): Promise<void> {
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/phone-link');
    await page.goto(`${baseUrl}/r/${room}`);
    await answered;
    await page.getByRole('button', { name: 'Join' }).waitFor();
  }

  /** Reads the QR code the page shows, as a phone's camera would: its pixels, decoded. */
  async function decodeQr(image: Locator): Promise<string | undefined> {
    const { pixels, size } = await image.evaluate((element: HTMLImageElement) => {
      const size = 360;
      const canvas = document.createElement('canvas');
      canvas.width = size;
      canvas.height = size;
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#fff';
      context.fillRect(0, 0, size, size);
      context.drawImage(element, 0, 0, size, size);
      return { pixels: [...context.getImageData(0, 0, size, size).data], size };
    });
    return jsQR(Uint8ClampedArray.from(pixels), size, size)?.data;
  }

  test('a laptop shows a QR code that reads as the room’s address for phones', async () => {
    const server = await startServer({ PUBLIC_URL: 'https://meet.example.test' });
    try {
      const laptop = await env.browser.newContext(LAPTOP);
      const tab = await laptop.newPage();
      await joinScreen(tab, server.url, 'qr-room');
      await tab.getByRole('button', { name: 'Open on your phone' }).click();
      const qr = tab.getByRole('img', { name: 'QR code for https://meet.example.test/r/qr-room' });
      await waitUntil(() => qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0), 'the QR code to load');
      expect(await decodeQr(qr)).toBe('https://meet.example.test/r/qr-room');
      expect(await tab.locator('.phone-url').textContent()).toBe('https://meet.example.test/r/qr-room');
      await laptop.close();

      // A phone is where the link is opened, not shown: no button there, even though the server has an address.
      const { context, page } = await openPhone(env.browser);
      await page.goto(`${server.url}/r/qr-room`);
      await page.getByRole('button', { name: 'Join' }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('button', { name: 'Open on your phone' }).count()).toBe(0);
      await context.close();
    } finally {
      await server.stop();
    }
  });

  test('a server with no address for phones (loopback only) shows a laptop no button', async () => {
    const laptop = await env.browser.newContext(LAPTOP);
    const tab = await laptop.newPage();
    await joinScreen(tab, env.server.url, 'qr-room');
    expect(await tab.getByRole('button', { name: 'Open on your phone' }).count()).toBe(0);
    await laptop.close();
  });
});

describe('security headers', () => {
  test('the strict CSP lets the whole app work: join, call, share, with no violation', async () => {
    const { context, page } = await openPhone(env.browser);
    await page.addInitScript(() => {
      const violations: string[] = [];
      (window as unknown as { __violations: string[] }).__violations = violations;
      document.addEventListener('securitypolicyviolation', (event) => violations.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    const response = await page.goto(`${env.server.url}/r/csp`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(response?.headers()['strict-transport-security']).toBeUndefined(); // plain http on a LAN: no HSTS
    await joinRoom(page, env.server.url, 'csp', 'Cy');
    await page.getByRole('button', { name: 'Share screen' }).click();
    await expectVideoPlaying(page, 'Cy screen');
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    await context.close();
  });
});
