import { describe, expect, test } from 'vitest';
import { joinRoom, openPhone, tile } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { waitUntil } from '../support/poll.ts';

const env = useServerAndBrowser();

/**
 * Holds every getUserMedia call, as a permission prompt nobody has answered yet, until the test calls
 * `releasePrompts(n)`; records every track the page is given.
 */
function holdPermissionPrompts() {
  const media = navigator.mediaDevices;
  const original = media.getUserMedia.bind(media);
  const held: (() => void)[] = [];
  const state = window as unknown as { tracks: MediaStreamTrack[]; granted: number; heldPrompts(): number; releasePrompts(n: number): void };
  state.tracks = [];
  state.granted = 0;
  state.heldPrompts = () => held.length;
  state.releasePrompts = (count) => held.splice(0, count).forEach((release) => release());
  media.getUserMedia = async (constraints) => {
    await new Promise<void>((release) => held.push(release));
    const stream = await original(constraints);
    state.tracks.push(...stream.getTracks());
    state.granted++;
    return stream;
  };
}

/** The browser's own "Stop sharing" bar, pressed the moment sharing starts: the track ends while it is published. */
function endScreenShareAtOnce() {
  const media = navigator.mediaDevices;
  const original = media.getDisplayMedia.bind(media);
  media.getDisplayMedia = async (options) => {
    const stream = await original(options);
    setTimeout(() => {
      for (const track of stream.getTracks()) {
        track.stop();
        track.dispatchEvent(new Event('ended'));
      }
      (window as unknown as { shareEnded: boolean }).shareEnded = true;
    }, 0);
    return stream;
  };
}

async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${env.server.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : Number.NaN;
}

describe('nothing is left running', () => {
  test('leaving while the camera prompt is still up: the camera and microphone granted later are stopped', async () => {
    const { context, page } = await openPhone(env.browser);
    await context.addInitScript(holdPermissionPrompts);
    await page.goto(`${env.server.url}/r/prompt`);
    await page.getByRole('textbox', { name: 'Name' }).fill('Ann');
    await page.getByRole('button', { name: 'Join' }).click();
    // Two prompts pending: the join screen's preview, and the call's own.
    await waitUntil(() => page.evaluate(() => (window as unknown as { heldPrompts(): number }).heldPrompts() === 2), 'the call to ask for the camera');
    await page.getByRole('button', { name: 'Leave' }).click();
    await page.getByRole('button', { name: 'Join' }).waitFor();

    // Now the person answers "Allow" to those two prompts (not to the new join screen's preview).
    await page.evaluate(() => (window as unknown as { releasePrompts(n: number): void }).releasePrompts(2));
    await waitUntil(() => page.evaluate(() => (window as unknown as { granted: number }).granted === 2), 'both prompts to be granted');
    const liveTracks = () =>
      page.evaluate(() => (window as unknown as { tracks: MediaStreamTrack[] }).tracks.filter((track) => track.readyState === 'live').map((track) => track.kind));
    await expect.poll(liveTracks, { timeout: 10_000 }).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { tracks: MediaStreamTrack[] }).tracks.length)).toBe(4);
    await context.close();
  });

  test('a screen share the browser stops while it is being published is closed for everyone, not left frozen', async () => {
    const alice = await openPhone(env.browser);
    const bob = await openPhone(env.browser);
    await alice.context.addInitScript(endScreenShareAtOnce);
    await joinRoom(alice.page, env.server.url, 'stopped-share', 'Alice');
    await joinRoom(bob.page, env.server.url, 'stopped-share', 'Bob');

    await alice.page.getByRole('button', { name: 'Share screen' }).click();
    await waitUntil(() => alice.page.evaluate(() => (window as unknown as { shareEnded?: boolean }).shareEnded === true), 'the share to end');
    // Mute after it: once Bob sees the mute, the server has handled everything Alice's page sent before it.
    await alice.page.getByRole('button', { name: 'Microphone' }).click();
    await tile(bob.page, 'Alice camera').getByTitle('Microphone off').waitFor({ timeout: 10_000 });

    expect(await metric('huddle_producers{source="screen"}')).toBe(0);
    await waitUntil(async () => (await tile(bob.page, 'Alice screen').count()) === 0, 'no screen tile on Bob’s page', 10_000);
    expect(await alice.page.getByRole('button', { name: 'Share screen' }).getAttribute('aria-pressed')).toBe('false');
    await alice.context.close();
    await bob.context.close();
  });
});
