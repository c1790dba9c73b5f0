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
  test('a laptop shows a QR code of the room’s address for phones; without such an address, nothing', async () => {
    const { context, page } = await openPhone(env.browser); // loopback-only server: no address for phones
    await page.goto(`${env.server.url}/r/qr-room`);
    await page.getByRole('button', { name: 'Join' }).waitFor();
    expect(await page.getByRole('button', { name: 'Open on your phone' }).count()).toBe(0);
    await context.close();

    const server = await startServer({ PUBLIC_URL: 'https://meet.example.test' });
    try {
      const laptop = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const tab = await laptop.newPage();
      await tab.goto(`${server.url}/r/qr-room`);
      await tab.getByRole('button', { name: 'Open on your phone' }).click();
      const qr = tab.getByRole('img', { name: 'QR code for https://meet.example.test/r/qr-room' });
      await waitUntil(() => qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0), 'the QR code to load');
      expect(await tab.locator('.phone-url').textContent()).toBe('https://meet.example.test/r/qr-room');
      const svg = await fetch(`${server.url}/api/phone-link.svg?room=qr-room`);
      expect(svg.headers.get('content-type')).toBe('image/svg+xml');
      expect(await svg.text()).toMatch(/^<svg/);
      await laptop.close();
    } finally {
      await server.stop();
    }
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
