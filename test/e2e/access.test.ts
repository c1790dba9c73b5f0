import { SignJWT } from 'jose';
import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, openPhone, PHONE } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { waitUntil } from '../support/poll.ts';

const INVITE_SECRET = 'test-invite-secret-0123456789';
const env = useServerAndBrowser({ INVITE_SECRET });

async function attempt(url: string, name: string, password?: string) {
  const person = await openPhone(env.browser);
  await person.page.goto(url);
  await person.page.getByRole('textbox', { name: 'Name' }).fill(name);
  if (password !== undefined) await person.page.getByLabel('Password').fill(password);
  await person.page.getByRole('button', { name: 'Join' }).click();
  return person;
}

async function alertText(page: import('playwright-core').Page): Promise<string> {
  let text = '';
  await waitUntil(async () => {
    text = (await page.getByRole('alert').textContent().catch(() => '')) ?? '';
    return text.length > 0;
  }, 'an error on the join screen');
  return text;
}

describe('room access', () => {
  test('a password locks a new room: no or a wrong password is refused in words, the right one joins', async () => {
    const host = await attempt(`${env.server.url}/r/vault`, 'Host', 'open sesame');
    await host.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    await waitUntil(async () => (await host.page.getByText(/· locked/).count()) === 1, 'the room to say it is locked');

    const noPassword = await attempt(`${env.server.url}/r/vault`, 'Nobody');
    expect(await alertText(noPassword.page)).toMatch(/has a password/);
    const wrong = await attempt(`${env.server.url}/r/vault`, 'Wrong', 'open barley');
    expect(await alertText(wrong.page)).toMatch(/not right/);
    expect(await wrong.page.getByRole('button', { name: 'Join' }).isVisible()).toBe(true);

    const right = await attempt(`${env.server.url}/r/vault`, 'Friend', 'open sesame');
    await expectVideoPlaying(right.page, 'Host camera');
    for (const person of [host, noPassword, wrong, right]) await person.context.close();
  });

  test('a signed invite link from inside admits without the password; an expired one is refused', async () => {
    const hostContext = await env.browser.newContext({ viewport: PHONE, permissions: ['clipboard-read', 'clipboard-write'] });
    const host = await hostContext.newPage();
    await host.goto(`${env.server.url}/r/den`);
    await host.getByRole('textbox', { name: 'Name' }).fill('Host');
    await host.getByLabel('Password').fill('s3cret-den');
    await host.getByRole('button', { name: 'Join' }).click();
    await host.getByRole('status').filter({ hasText: 'Connected' }).waitFor();

    await host.getByRole('button', { name: 'Share invite link' }).click();
    await waitUntil(async () => (await host.getByText('Copied').count()) === 1, 'the link to be copied');
    const link = await host.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(/\/r\/den\?invite=/);

    const guest = await attempt(link, 'Guest');
    await expectVideoPlaying(guest.page, 'Host camera');

    const expired = await new SignJWT({ room: 'den' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(INVITE_SECRET));
    const late = await attempt(`${env.server.url}/r/den?invite=${expired}`, 'Late');
    expect(await alertText(late.page)).toMatch(/expired/);

    await guest.context.close();
    await late.context.close();
    await hostContext.close();
  });

  test('a new room gets an unguessable name the screen calls its key; guessing its password is stopped, saying when to try again', async () => {
    const host = await openPhone(env.browser);
    await host.page.goto(env.server.url);
    const suggested = await host.page.getByRole('textbox', { name: 'Room' }).inputValue();
    expect(suggested).toMatch(/^[a-z]{3,8}(-[a-z]{3,8}){5}$/);
    expect(await host.page.getByText("Anyone with this room's link can join, unless the room has a password.").isVisible()).toBe(true);
    await host.page.getByRole('textbox', { name: 'Name' }).fill('Host');
    await host.page.getByLabel('Password').fill('short');
    await host.page.getByRole('button', { name: 'Join' }).click();
    expect(await alertText(host.page)).toBe('A room password needs at least 8 characters.');
    await host.page.getByLabel('Password').fill('a long enough secret');
    await host.page.getByRole('button', { name: 'Join' }).click();
    await host.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();

    // Every browser here comes from one address: a guesser. Waits double (2 s, 4 s …) until a guess lands inside one.
    let refusal = '';
    for (let guess = 0; guess < 8 && !refusal.startsWith('Too many'); guess++) {
      const guesser = await attempt(`${env.server.url}/r/${suggested}`, 'Guesser', `guess-number-${guess}`);
      refusal = await alertText(guesser.page);
      await guesser.context.close();
    }
    expect(refusal).toMatch(/^Too many wrong passwords from your network\. Try again in \d+ seconds?\.$/);
    await host.context.close();
  });
});
