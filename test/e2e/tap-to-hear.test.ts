import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectAudioHeard, expectVideoPlaying, joinRoom, launchBrowser, openPhone } from '../support/browser.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * iOS Safari plays call audio without a tap only while the page captures. Chromium's closest policy is
 * `user-gesture-required`: play() of a MediaStream is refused unless the page has had a tap in the last seconds
 * (`document-user-activation-required` lets MediaStream audio through, so it cannot show the problem).
 */
let browser: Browser;
let server: RunningServer;
beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(['--autoplay-policy=user-gesture-required']), startServer()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Reports each <audio> play() outcome on the console, which the test reads without touching the page. */
function reportAudioPlay() {
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
    const result = play.call(this);
    if (this instanceof HTMLAudioElement) {
      result.then(
        () => console.log('audio played'),
        (error: Error) => console.log(`audio refused ${error.name}`),
      );
    }
    return result;
  };
}

describe('listening without camera or microphone', () => {
  test('sound the browser holds back shows "Tap to hear"; the tap plays it and the button goes', async () => {
    const listener = await openPhone(browser);
    await listener.context.addInitScript(reportAudioPlay);
    const page = listener.page;
    await joinRoom(page, server.url, 'listen', 'Lee', { watchOnly: true });
    // The Join tap (and every test action) counts as a recent tap for a few seconds; the sound must come later,
    // as it does for a phone whose owner just listens.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const check = () => (navigator.userActivation.isActive ? setTimeout(check, 100) : resolve());
          check();
        }),
    );
    const refused = page.waitForEvent('console', { predicate: (message) => message.text() === 'audio refused NotAllowedError', timeout: 20_000 });

    const speaker = await openPhone(browser);
    await joinRoom(speaker.page, server.url, 'listen', 'Sam');
    await refused;

    const tap = page.getByRole('button', { name: 'Tap to hear' });
    await tap.waitFor({ timeout: 10_000 });
    await page.screenshot({ path: 'test-results/tap-to-hear.png' });
    // Held back means silent: no <audio> plays until the tap.
    expect(await page.locator('audio').evaluateAll((elements) => elements.some((element) => !(element as HTMLAudioElement).paused))).toBe(false);
    await tap.click();
    await expectAudioHeard(page, 'Sam camera');
    await expectVideoPlaying(page, 'Sam camera'); // held back too, and played by the same tap
    await expect.poll(() => tap.count(), { timeout: 10_000 }).toBe(0);
    await listener.context.close();
    await speaker.context.close();
  });
});
