import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { downloadsProbeScript } from '../support/downloadsProbe/bundle.ts';
import { controlledPage, type ProbeWindow } from '../support/downloadsProbe/pages.ts';
import { useServerAndBrowser } from '../support/environment.ts';

/*
 * Files shared into the app from another app: the manifest's share_target POSTs them to /share, the built app's
 * service worker keeps them in IndexedDB and sends the person to their last room; the app's own module
 * (app/storage/sharedFiles.ts, bundled into support/downloadsProbe) takes them.
 */
const env = useServerAndBrowser();
let probeScript: string;
beforeAll(async () => {
  probeScript = await downloadsProbeScript();
});
const newPage = () => controlledPage(env.browser, env.server.url, probeScript);

/** Shares files into the app as a phone's share sheet does: a multipart POST navigation to the share_target action. */
async function shareFiles(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<URL> {
  await page.evaluate(() => {
    const form = Object.assign(document.createElement('form'), { method: 'post', enctype: 'multipart/form-data', action: '/share' });
    const input = Object.assign(document.createElement('input'), { type: 'file', name: 'files', multiple: true });
    form.append(input);
    document.body.append(form);
  });
  await page.locator('form[action="/share"] input[type=file]').setInputFiles(files);
  // Where the service worker sent the person: the navigation it redirected to (the app then tidies the address).
  const [landing] = await Promise.all([
    page.waitForRequest((request) => request.isNavigationRequest() && request.url().includes('share='), { timeout: 15_000 }),
    page.locator('form[action="/share"]').evaluate((form: HTMLFormElement) => form.submit()),
  ]);
  await page.waitForLoadState();
  return new URL(landing.url());
}

describe('files shared into the app from another app', () => {
  test('Chromium reads the share target from the manifest: any files, posted as multipart to /share', async () => {
    const { context, page } = await newPage();
    const cdp = await context.newCDPSession(page);
    // The manifest loads after the page: ask until Chromium has read it.
    let shareTarget: unknown;
    await expect
      .poll(async () => {
        const { errors, manifest } = await cdp.send('Page.getAppManifest', {});
        shareTarget = manifest.shareTarget;
        return { errors, loaded: shareTarget !== undefined };
      }, { timeout: 15_000 })
      .toEqual({ errors: [], loaded: true });
    // (CDP reports the parsed target's action and method; its enctype field repeats the action, and files are left out.)
    expect(shareTarget).toMatchObject({ action: `${env.server.url}/share`, method: 'kPost' });
    const served = (await (await fetch(`${env.server.url}/manifest.webmanifest`)).json()) as { share_target?: unknown };
    expect(served.share_target).toEqual({
      action: '/share',
      method: 'POST',
      enctype: 'multipart/form-data',
      params: { files: [{ name: 'files', accept: ['*/*'] }] },
    });
    await context.close();
  });

  test('are kept and the person lands in the room they were last in, where the app offers them once', async () => {
    const { context, page } = await newPage();
    await page.evaluate(() => (globalThis as unknown as ProbeWindow).downloadsProbe.rememberRoom('standup'));
    const landed = await shareFiles(page, [
      { name: 'notes – été.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from the share sheet') },
      { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(5000, 7) },
    ]);
    expect(landed.pathname).toBe('/r/standup');
    expect(landed.searchParams.get('share')).toMatch(/.+/);
    // The app itself opened there (the service worker answered the POST; the server has no /share), took the files
    // and, once the person is in the call, offers to send them there.
    await joinHere(page, 'Ines');
    const offer = page.getByRole('group', { name: 'Shared with Huddle' });
    await expect.poll(() => offer.textContent(), { timeout: 15_000 }).toContain('Send notes – été.txt (26 B), photo.jpg (5.00 KB) to everyone');
    // Taken once: a reload does not offer them again. (The offer shows as the call opens, before the server's join
    // reply; a reload only brings her back into the call once that reply is in and the call is saved for it. On a busy
    // machine the reload came first and she landed on the join screen.)
    await page.waitForFunction(() => sessionStorage.getItem('huddle.call') !== null);
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Chat', exact: true }).click();
    await page.getByRole('log', { name: 'Chat' }).waitFor();
    expect(await offer.count()).toBe(0);
    await context.close();
  });

  test('with no room remembered, the person lands on the start page with the share, offered once they join', async () => {
    const { context, page } = await newPage();
    const landed = await shareFiles(page, [{ name: 'a.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7') }]);
    expect(landed.pathname).toBe('/');
    await page.getByRole('textbox', { name: 'Room' }).fill('share-landing');
    await joinHere(page, 'Ines');
    await expect
      .poll(() => page.getByRole('group', { name: 'Shared with Huddle' }).textContent(), { timeout: 15_000 })
      .toContain('Send a.pdf (8 B) to everyone');
    await context.close();
  });
});

/** Joins the call from the join screen the page is on, as the person would. */
async function joinHere(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
}
