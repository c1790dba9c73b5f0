import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom, openPhone, PHONE } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';

const env = useServerAndBrowser();

describe('HTTPS', () => {
  test('the HTTPS start serves the app, and a browser on https joins a call with one on http', async () => {
    const httpsUrl = env.server.httpsUrl;
    expect(httpsUrl).toMatch(/^https:/);
    // A phone would show the self-signed warning once; the test accepts it the way a person would.
    const secure = await env.browser.newContext({ viewport: PHONE, ignoreHTTPSErrors: true });
    const phone = await secure.newPage();
    const laptop = await openPhone(env.browser);

    await joinRoom(phone, httpsUrl!, 'tls', 'Phone');
    expect(await phone.evaluate(() => window.isSecureContext && location.protocol)).toBe('https:');
    await joinRoom(laptop.page, env.server.url, 'tls', 'Laptop');
    await expectVideoPlaying(laptop.page, 'Phone camera');
    await expectVideoPlaying(phone, 'Laptop camera');
    await secure.close();
    await laptop.context.close();
  });
});
