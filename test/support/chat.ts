import type { Page } from 'playwright-core';
import { waitUntil } from './poll.ts';

/** One line of a page's chat as a person sees it: author, text and the state word shown with it (if any). */
export type ShownMessage = { author: string; text: string; state: string };

export function chatButton(page: Page) {
  return page.getByRole('button', { name: 'Chat', exact: true });
}

export function chatLog(page: Page) {
  return page.getByRole('log', { name: 'Chat' });
}

/** Opens the chat (the Chat button says whether it is open with aria-expanded). */
export async function openChat(page: Page): Promise<void> {
  const button = chatButton(page);
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await chatLog(page).waitFor();
}

/** Writes a message as a person does: types it into Message and presses Enter. */
export async function sendChat(page: Page, text: string): Promise<void> {
  await openChat(page);
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** Every message in the page's chat log, top to bottom. */
export async function shownMessages(page: Page): Promise<ShownMessage[]> {
  return chatLog(page)
    .locator('li')
    .evaluateAll((items) =>
      items.map((item) => ({
        author: item.querySelector('.chat-author')?.textContent ?? '',
        text: item.querySelector('.chat-text')?.textContent ?? '',
        state: item.querySelector('.chat-state')?.textContent ?? '',
      })),
    );
}

/** The texts shown, top to bottom. */
export async function shownTexts(page: Page): Promise<string[]> {
  return (await shownMessages(page)).map((message) => message.text);
}

/** Waits until the page shows exactly `texts` (in this order), each once. */
export async function expectChatShows(page: Page, texts: string[], timeout = 20_000): Promise<void> {
  let last: string[] = [];
  try {
    await waitUntil(async () => {
      last = await shownTexts(page);
      return last.length === texts.length && last.every((text, index) => text === texts[index]);
    }, `the chat to show ${texts.length} messages`, timeout);
  } catch (error) {
    throw new Error(`${String(error)}\nshown (${last.length}): ${JSON.stringify(last.slice(-30))}`);
  }
}

/**
 * Starts typing messages into the page's Message box and pressing Enter, one every `everyMs`, from inside the page
 * (as fast as a person with a macro, and without a round trip per message); `${prefix} ${n}` with n = 1, 2, 3…
 * Resolves with a function that stops it and returns what was written.
 */
export async function keepWriting(page: Page, prefix: string, everyMs: number): Promise<() => Promise<string[]>> {
  await openChat(page);
  await page.evaluate(
    ({ prefix, everyMs }) => {
      const state = window as unknown as { __written: string[]; __writer: ReturnType<typeof setInterval> };
      state.__written = [];
      state.__writer = setInterval(() => {
        const box = document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]');
        if (!box) return;
        const text = `${prefix} ${state.__written.length + 1}`;
        box.value = text;
        box.dispatchEvent(new Event('input', { bubbles: true }));
        box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
        state.__written.push(text);
      }, everyMs);
    },
    { prefix, everyMs },
  );
  return () =>
    page.evaluate(() => {
      const state = window as unknown as { __written: string[]; __writer: ReturnType<typeof setInterval> };
      clearInterval(state.__writer);
      return state.__written;
    });
}

/** Types `texts` into the Message box and presses Enter for each, all at once from inside the page. */
export async function writeBurst(page: Page, texts: string[]): Promise<void> {
  await openChat(page);
  await page.evaluate((all) => {
    const box = document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]')!;
    for (const text of all) {
      box.value = text;
      box.dispatchEvent(new Event('input', { bubbles: true }));
      box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    }
  }, texts);
}

/** The first `length` characters of every message in the page's chat log (cheap to read for thousands of long ones). */
export async function shownPrefixes(page: Page, length: number): Promise<{ author: string; prefix: string; state: string }[]> {
  return chatLog(page)
    .locator('li')
    .evaluateAll(
      (items, length) =>
        items.map((item) => ({
          author: item.querySelector('.chat-author')?.textContent ?? '',
          prefix: (item.querySelector('.chat-text')?.textContent ?? '').slice(0, length),
          state: item.querySelector('.chat-state')?.textContent ?? '',
        })),
      length,
    );
}

/** From the next page load on, counts the signaling requests the page sends, by method; read with `requestCounts`. */
export async function countSignalingRequests(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const counts: Record<string, number> = {};
    (window as unknown as { __requests: Record<string, number> }).__requests = counts;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      if (typeof data === 'string') {
        const method = /"method":"(\w+)"/.exec(data)?.[1];
        if (method) counts[method] = (counts[method] ?? 0) + 1;
      }
      return send.call(this, data);
    };
  });
}

export async function requestCounts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => (window as unknown as { __requests: Record<string, number> }).__requests);
}
