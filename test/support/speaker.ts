import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Whose camera tile this page marks as speaking (aria-current), by name; several would be a bug. */
export async function highlighted(page: Page): Promise<string[]> {
  const speaking = page.locator('figure[aria-current="true"]');
  return (await speaking.evaluateAll((figures) => figures.map((figure) => figure.getAttribute('aria-label') ?? ''))).sort();
}

/** Turns the page's microphone on or off with its toggle, and waits until the toggle says so. */
export async function setMic(page: Page, on: boolean): Promise<void> {
  const button = page.getByRole('button', { name: 'Microphone' });
  if ((await button.getAttribute('aria-pressed')) !== String(on)) await button.click();
  await expect.poll(() => button.getAttribute('aria-pressed'), { timeout: 10_000 }).toBe(String(on));
}
