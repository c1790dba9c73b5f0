import type { Page } from 'playwright-core';
import { waitUntil } from './poll.ts';

/* The recording controls, used as a person uses them: Record (aria-pressed) and the Recordings list. */

/** Presses Record and waits until it says it records (aria-pressed); returns when that was. */
export async function startRecording(page: Page): Promise<number> {
  const record = page.getByRole('button', { name: 'Record', exact: true });
  await record.click();
  await waitUntil(async () => (await record.getAttribute('aria-pressed')) === 'true', 'Record to be pressed');
  return Date.now();
}

/** Presses Record again and waits until it no longer records; returns when that was. */
export async function stopRecording(page: Page): Promise<number> {
  const record = page.getByRole('button', { name: 'Record', exact: true });
  await record.click();
  const stoppedAt = Date.now();
  await waitUntil(async () => (await record.getAttribute('aria-pressed')) === 'false', 'Record to be released');
  return stoppedAt;
}

/** Opens the Recordings list (its button says aria-expanded) and returns it. */
export async function openRecordings(page: Page) {
  const button = page.getByRole('button', { name: 'Recordings', exact: true });
  await button.waitFor({ timeout: 20_000 });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  const list = page.getByRole('list', { name: 'Recordings', exact: true });
  await list.waitFor();
  return list;
}
