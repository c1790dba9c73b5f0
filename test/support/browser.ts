import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expectTileShows, fakeMediaInitScript, MEDIA_OF, type MediaChoice } from './fakeMedia.ts';
import { waitUntil } from './poll.ts';

export const PHONE = { width: 390, height: 844 };

/** Chromium's flags for every test browser: fake camera and microphone, no prompts, nothing fetched from the internet. */
export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--auto-select-desktop-capture-source=Entire screen',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Debian's Chromium with a fake camera and microphone that need no permission prompt. */
export async function launchBrowser(extraArgs: string[] = [], executablePath?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [...LAUNCH_ARGS, ...extraArgs],
  });
}

/**
 * A phone-sized page in its own context (its own storage, like a separate device). `media` gives the person a
 * camera and microphone of their own (see fakeMedia.ts); without it, Chromium's shared fake devices.
 */
export async function openPhone(browser: Browser, options: { media?: MediaChoice } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: false });
  const media = options.media ?? 'chromium-fake';
  if (media !== 'chromium-fake') await context.addInitScript(fakeMediaInitScript, media);
  const page = await context.newPage();
  return { context, page };
}

/** Joins through the labelled form, as a person would, and waits until the call says it is connected. */
export async function joinRoom(
  page: Page,
  baseUrl: string,
  room: string,
  name: string,
  options: { watchOnly?: boolean } = {},
): Promise<void> {
  await page.goto(`${baseUrl}/r/${room}`);
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await waitUntil(async () => (await page.getByRole('textbox', { name: 'Room' }).inputValue()) === room, `room ${room} prefilled`);
  if (options.watchOnly) {
    // Camera and microphone off in the preview: a pure viewer or listener.
    await page.getByRole('button', { name: 'Video' }).click();
    await page.getByRole('button', { name: 'Mic' }).click();
    await waitUntil(
      async () => (await page.getByRole('button', { name: 'Video' }).getAttribute('aria-pressed')) === 'false',
      'the preview camera to be off',
    );
  }
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
}

export function tile(page: Page, label: string) {
  return page.locator(`[aria-label="${label}"]`);
}

/** How many frames a <video> has decoded so far, and its picture width. */
async function decodedFrames(page: Page, label: string): Promise<{ frames: number; width: number }> {
  return tile(page, label)
    .locator('video')
    .evaluate((element: HTMLVideoElement) => ({
      frames: element.getVideoPlaybackQuality().totalVideoFrames,
      width: element.videoWidth,
    }));
}

/**
 * Resolves when the tile's <video> really plays: it shows a picture (videoWidth > 0) and keeps decoding new
 * frames. (A live stream's currentTime runs on even when no frame arrives, so it proves nothing.)
 */
export async function expectVideoPlaying(page: Page, label: string, timeout = 15_000): Promise<void> {
  let first = 0;
  await waitUntil(
    async () => {
      const { frames, width } = await decodedFrames(page, label);
      first = frames;
      return width > 0;
    },
    `${label} to show a picture`,
    timeout,
  );
  await waitUntil(async () => (await decodedFrames(page, label)).frames > first + 2, `${label} to keep playing`, timeout);
}

/** Resolves once the tile's video has decoded no new frame for a whole second. */
export async function expectVideoFrozen(page: Page, label: string, timeout = 15_000): Promise<void> {
  await waitUntil(
    async () => {
      const before = (await decodedFrames(page, label)).frames;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return (await decodedFrames(page, label)).frames === before;
    },
    `${label} to freeze`,
    timeout,
  );
}

/** Counts tiles with exactly this label. */
export async function countTiles(page: Page, label: string): Promise<number> {
  return tile(page, label).count();
}

/**
 * The loudest sample (0…1) over ~1.5 s of the sound the page plays from the person behind `label`'s tile: their
 * <audio> element's stream run through an analyser. 0 when there is no playing stream.
 */
export async function audioPeak(page: Page, label: string): Promise<number> {
  const peerId = await tile(page, label).getAttribute('data-peer');
  return page.evaluate(async (peer) => {
    const audio = document.querySelector<HTMLAudioElement>(`audio[data-peer="${peer}"]`);
    const stream = audio?.srcObject;
    if (!(stream instanceof MediaStream) || audio?.paused) return 0;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let peak = 0;
    for (let i = 0; i < 30; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      analyser.getFloatTimeDomainData(samples);
      for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
    }
    await context.close();
    return peak;
  }, peerId);
}

/** Resolves once the page audibly plays that person's microphone (Chromium's fake one beeps about once a second). */
export async function expectAudioHeard(page: Page, label: string, timeout = 15_000): Promise<void> {
  await waitUntil(async () => (await audioPeak(page, label)) > 0.01, `sound from ${label}`, timeout);
}

/**
 * Alice and Bob, each on their own phone with a camera of their own colour (unless `media: 'chromium-fake'`), join
 * `room`; resolves once each sees the other's camera play, and (with their own media) sees the other's colour.
 */
export async function joinAliceAndBob(browser: Browser, baseUrl: string, room: string, options: { media?: 'own' | 'chromium-fake' } = {}) {
  const own = options.media !== 'chromium-fake';
  const alice = await openPhone(browser, { media: own ? MEDIA_OF.Alice : 'chromium-fake' });
  const bob = await openPhone(browser, { media: own ? MEDIA_OF.Bob : 'chromium-fake' });
  await joinRoom(alice.page, baseUrl, room, 'Alice');
  await joinRoom(bob.page, baseUrl, room, 'Bob');
  await expectVideoPlaying(bob.page, 'Alice camera');
  await expectVideoPlaying(alice.page, 'Bob camera');
  if (own) {
    await expectTileShows(bob.page, 'Alice camera', MEDIA_OF.Alice);
    await expectTileShows(alice.page, 'Bob camera', MEDIA_OF.Bob);
  }
  return { alice, bob };
}

/** The peer id behind a tile (its `data-peer`), to tell a resumed person from a rejoined one. */
export async function peerIdOf(page: Page, label: string): Promise<string> {
  const id = await tile(page, label).getAttribute('data-peer');
  if (!id) throw new Error(`no peer id on ${label}`);
  return id;
}
