import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { joinRoom, launchBrowser, openPhone, peerIdOf } from '../support/browser.ts';
import { chatButton, chatLog, expectChatShows, openChat, sendChat, shownMessages, shownTexts } from '../support/chat.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * Chat between real browsers through the real server: messages written while the server is out of reach show at
 * once as queued, survive a reload, and arrive exactly once and in order when it is back.
 */

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

/** The database lives here, so a server started again on it has the same history. */
const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'huddle-chat-e2e-'));

async function connected(page: Page, timeout = 30_000): Promise<void> {
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout });
}

/** Keeps this browser context's signaling sockets from reaching the server while `blocked()` says so. */
async function holdSignaling(context: BrowserContext, blocked: () => boolean): Promise<void> {
  await context.routeWebSocket(/\/ws$/, (socket) => {
    if (blocked()) return socket.close();
    socket.connectToServer();
  });
}

/** Writes `texts` one by one and checks each shows at once with the word "queued". */
async function writeWhileAway(page: Page, texts: string[]): Promise<void> {
  for (const text of texts) {
    await sendChat(page, text);
    const shown = chatLog(page).locator('li').filter({ hasText: text });
    await expect.poll(() => shown.textContent(), { timeout: 2_000 }).toContain('queued');
  }
}

async function expectAllDelivered(page: Page, texts: string[]): Promise<void> {
  await expect
    .poll(
      async () =>
        (await shownMessages(page))
          .filter((message) => texts.includes(message.text))
          .map((message) => message.state)
          .join(','),
      { timeout: 20_000 },
    )
    .toBe(texts.map(() => '✓ delivered').join(','));
}

describe('chat', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ DATA_DIR: dataDir() });
  });
  afterAll(() => server?.stop());

  test('two people chat both ways; names, links and markup show as written', async () => {
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    await joinRoom(alice.page, server.url, 'chat-both', 'Alice');
    await joinRoom(bob.page, server.url, 'chat-both', 'Bob');

    expect(await chatButton(alice.page).getAttribute('aria-expanded')).toBe('false');
    await sendChat(alice.page, 'Hi Bob, agenda at https://example.org/agenda');
    await openChat(bob.page);
    await expectChatShows(bob.page, ['Hi Bob, agenda at https://example.org/agenda']);
    await sendChat(bob.page, 'Hi Alice <b>not bold</b>');
    await expectChatShows(alice.page, ['Hi Bob, agenda at https://example.org/agenda', 'Hi Alice <b>not bold</b>']);
    await expectAllDelivered(alice.page, ['Hi Bob, agenda at https://example.org/agenda']);

    const [first, second] = await shownMessages(alice.page);
    expect(first?.author).toBe('Alice');
    expect(second?.author).toBe('Bob');
    const link = chatLog(bob.page).getByRole('link', { name: 'https://example.org/agenda' });
    expect(await link.getAttribute('href')).toBe('https://example.org/agenda');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await chatLog(alice.page).locator('b').count()).toBe(0);
    // Sent: the box is empty again, and no complaint under it.
    expect(await alice.page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('');
    expect(await alice.page.locator('#chat-limit').textContent()).toBe('');

    // Bob closes the chat; Alice's next message shows as unread beside the button, outside its name.
    await chatButton(bob.page).click();
    expect(await chatButton(bob.page).getAttribute('aria-expanded')).toBe('false');
    await sendChat(alice.page, 'Are you there?');
    await expect.poll(() => chatButton(bob.page).getAttribute('aria-describedby')).toBe('chat-unread');
    expect(await bob.page.locator('#chat-unread').textContent()).toBe('1 unread message');
    expect(await chatButton(bob.page).count()).toBe(1);
    await openChat(bob.page);
    await expect.poll(() => bob.page.locator('#chat-unread').count()).toBe(0);
    await alice.context.close();
    await bob.context.close();
  });

  test('open on a phone, upright and on its side, the chat fits and its controls are found by their names alone', async () => {
    const { context, page } = await openPhone(browser);
    await joinRoom(page, server.url, 'chat-fit', 'Nia');
    await sendChat(page, 'hello');
    // Names match by substring (as screen-reader search does): each must find exactly one thing. "Send" is also
    // the start of "Send file" (the issue names both), so it alone is matched whole.
    for (const [role, name] of [['button', 'Chat'], ['textbox', 'Message'], ['log', 'Chat'], ['button', 'Send file']] as const) {
      expect(await page.getByRole(role, { name }).count(), `${role} ${name}`).toBe(1);
    }
    expect(await page.getByRole('button', { name: 'Send', exact: true }).count()).toBe(1);
    for (const viewport of [{ width: 390, height: 844 }, { width: 844, height: 390 }]) {
      await page.setViewportSize(viewport);
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const layout = await page.evaluate(() => {
        const inside = (element: Element | null) => {
          const box = element?.getBoundingClientRect();
          return !!box && box.left >= 0 && box.top >= 0 && box.right <= innerWidth + 1 && box.bottom <= innerHeight + 1;
        };
        return {
          overflow: [document.documentElement.scrollWidth - innerWidth, document.documentElement.scrollHeight - innerHeight],
          small: [...document.querySelectorAll('button')]
            .filter((button) => button.offsetParent !== null)
            .filter((button) => button.getBoundingClientRect().width < 44 || button.getBoundingClientRect().height < 44)
            .map((button) => button.getAttribute('aria-label') ?? button.textContent),
          composerOnScreen: inside(document.querySelector('textarea')) && inside(document.querySelector('.chat-send')),
        };
      });
      expect(layout, `${viewport.width}×${viewport.height}`).toEqual({ overflow: [0, 0], small: [], composerOnScreen: true });
    }
    await context.close();
  });

  test('the media worker dies: chat goes on over the rebuilt session, history kept, nothing doubled', async () => {
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    await joinRoom(alice.page, server.url, 'chat-crash', 'Alice');
    await joinRoom(bob.page, server.url, 'chat-crash', 'Bob');
    await sendChat(alice.page, 'before the crash');
    await openChat(bob.page);
    await expectChatShows(bob.page, ['before the crash']);

    const rooms = (await (await fetch(`${server.url}/__test/rooms`)).json()) as { id: string; workerPid: number }[];
    process.kill(rooms.find((room) => room.id === 'chat-crash')!.workerPid, 'SIGKILL');
    await sendChat(bob.page, 'during the crash');
    await expectChatShows(alice.page, ['before the crash', 'during the crash']);
    await sendChat(alice.page, 'after the crash');
    await expectChatShows(alice.page, ['before the crash', 'during the crash', 'after the crash']);
    await expectChatShows(bob.page, ['before the crash', 'during the crash', 'after the crash']);
    await expectAllDelivered(bob.page, ['during the crash']);
    await alice.context.close();
    await bob.context.close();
  });

  test('the length limit is shown and enforced before sending', async () => {
    const { context, page } = await openPhone(browser);
    await joinRoom(page, server.url, 'chat-limit', 'Lena');
    await openChat(page);
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('y'.repeat(2_001));
    await expect.poll(() => page.locator('#chat-limit').textContent()).toContain('Too long: 2001 of 2000');
    expect(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    await box.press('Enter');
    expect(await shownTexts(page)).toEqual([]);
    await box.fill('y'.repeat(2_000));
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expectChatShows(page, ['y'.repeat(2_000)]);
    await context.close();
  });

  test('signaling dropped and held off, a reload in the middle: 20 messages arrive once, in order; a late joiner sees them all', async () => {
    const room = 'chat-drop';
    let away = false;
    const alice = await openPhone(browser);
    await holdSignaling(alice.context, () => away);
    const bob = await openPhone(browser);
    await joinRoom(alice.page, server.url, room, 'Alice');
    await joinRoom(bob.page, server.url, room, 'Bob');
    await sendChat(alice.page, 'before');
    await openChat(bob.page);
    await expectChatShows(bob.page, ['before']);

    // The server cuts Alice's socket, and she cannot get back (the server is out of her reach).
    away = true;
    const aliceId = await peerIdOf(bob.page, 'Alice camera');
    const response = await fetch(`${server.url}/__test/drop?peer=${aliceId}`, { method: 'POST' });
    expect(await response.json()).toEqual({ dropped: 1 });
    await alice.page.getByRole('status').filter({ hasNotText: 'Connected' }).waitFor();

    const written = Array.from({ length: 20 }, (_, index) => `away ${index + 1}`);
    for (const text of written.slice(0, 10)) await sendChat(alice.page, text);
    await expectChatShows(alice.page, ['before', ...written.slice(0, 10)]);

    // A reload while still away: the room opens from what the device kept, says it is offline, and takes more.
    await alice.page.reload();
    await alice.page.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 20_000 });
    await openChat(alice.page);
    await expectChatShows(alice.page, ['before', ...written.slice(0, 10)]);
    await writeWhileAway(alice.page, written.slice(10));

    away = false;
    await connected(alice.page);
    await expectChatShows(bob.page, ['before', ...written]);
    await expectAllDelivered(alice.page, written);
    await expectChatShows(alice.page, ['before', ...written]);

    const carol = await openPhone(browser);
    await joinRoom(carol.page, server.url, room, 'Carol');
    await openChat(carol.page);
    await expectChatShows(carol.page, ['before', ...written]);
    for (const { context } of [alice, bob, carol]) await context.close();
  });
});

describe('chat across a server restart', () => {
  test('the server stops, Alice writes 20 and reloads in the middle; it starts again: all 20 arrive once, in order', async () => {
    const data = dataDir();
    let server = await startServer({ DATA_DIR: data });
    const room = 'chat-restart';
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    try {
      await joinRoom(alice.page, server.url, room, 'Alice');
      // The shell must come from the service worker once the server is gone.
      await alice.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      await joinRoom(bob.page, server.url, room, 'Bob');
      await sendChat(bob.page, 'hello before the restart');
      await openChat(alice.page);
      await expectChatShows(alice.page, ['hello before the restart']);

      await server.stop();
      const written = Array.from({ length: 20 }, (_, index) => `while down ${index + 1}`);
      await writeWhileAway(alice.page, written.slice(0, 10));
      await alice.page.reload();
      await alice.page.getByRole('status').filter({ hasText: 'Offline' }).waitFor({ timeout: 30_000 });
      await openChat(alice.page);
      await expectChatShows(alice.page, ['hello before the restart', ...written.slice(0, 10)]);
      await writeWhileAway(alice.page, written.slice(10));

      server = await startServer({ DATA_DIR: data, PORT: String(server.port) });
      await connected(alice.page);
      await connected(bob.page);
      await expectChatShows(bob.page, ['hello before the restart', ...written]);
      await expectAllDelivered(alice.page, written);

      const carol = await openPhone(browser);
      await joinRoom(carol.page, server.url, room, 'Carol');
      await openChat(carol.page);
      await expectChatShows(carol.page, ['hello before the restart', ...written]);
      await carol.context.close();
    } finally {
      await alice.context.close();
      await bob.context.close();
      await server.stop();
    }
  });
});
