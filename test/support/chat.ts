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
