import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Download, Page } from 'playwright-core';
import type { TransferCounters } from '../../app/files/ports.ts';
import { openChat } from './chat.ts';
import { waitUntil } from './poll.ts';

/** Vitest's hooks when a test file runs this; bench scripts run it under plain Node, where vitest's hooks throw. */
const vitest = process.env.VITEST ? await import('vitest') : undefined;

/** A file made for a test: where it is and its SHA-256. */
export type TestFile = { path: string; name: string; size: number; sha256: string };

/** A fresh directory for one test file's generated files and saved downloads. */
export function testDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huddle-files-e2e-'));
  // Removed once the test file (or a bench script) is done: its files run to hundreds of MiB a run, and left behind
  // they filled tens of GB of /tmp on a machine that runs the suite often.
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (vitest) vitest.afterAll(remove);
  else process.once('exit', remove);
  return dir;
}

/** Writes `size` random bytes (1 MiB at a time, never whole in memory) and hashes them on the way. */
export function makeFile(dir: string, name: string, size: number): TestFile {
  const file = path.join(dir, name);
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < size; ) {
      const piece = randomBytes(Math.min(1024 * 1024, size - written));
      writeSync(fd, piece);
      hash.update(piece);
      written += piece.length;
    }
  } finally {
    closeSync(fd);
  }
  return { path: file, name, size, sha256: hash.digest('hex') };
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** Sends a file as a person does: opens the panel, picks whom to send to, picks the file (Send file's input). */
export async function sendFile(page: Page, file: string, to = 'Everyone'): Promise<void> {
  await openChat(page);
  await page.getByRole('combobox', { name: 'Send to' }).selectOption({ label: to });
  await page.getByLabel('File to send').setInputFiles(file);
}

/** The Transfers list item of a file (by its progress bar's name). */
export function transferItem(page: Page, name: string) {
  return page.getByRole('list', { name: 'Transfers' }).getByRole('listitem').filter({ has: page.getByRole('progressbar', { name, exact: true }) });
}

/** Accepts an offered file and returns its download (started by the service worker as bytes arrive). */
export async function acceptFile(page: Page, name: string, timeout = 20_000): Promise<Download> {
  await openChat(page);
  const item = transferItem(page, name);
  await item.getByRole('button', { name: 'Accept' }).waitFor({ timeout });
  const download = page.waitForEvent('download', { timeout });
  await item.getByRole('button', { name: 'Accept' }).click();
  return download;
}

/** How far the progress bar named after the file is, 0–1. */
export async function progressOf(page: Page, name: string): Promise<number> {
  const bar = page.getByRole('progressbar', { name, exact: true });
  if ((await bar.count()) === 0) return 0;
  return bar.evaluate((element) => (element as HTMLProgressElement).value / (element as HTMLProgressElement).max);
}

export async function statusOf(page: Page, name: string): Promise<string> {
  return (await transferItem(page, name).textContent({ timeout: 2_000 })) ?? '';
}

/** Waits until the file's item says it is done (verified), or fails with what it says instead. */
export async function expectTransferDone(page: Page, name: string, timeout = 120_000): Promise<void> {
  await openChat(page);
  await waitUntil(async () => /verified/.test(await statusOf(page, name)), `${name} to be done`, timeout, async () => statusOf(page, name));
}

export async function waitForProgress(page: Page, name: string, fraction: number, timeout = 120_000): Promise<void> {
  await waitUntil(async () => (await progressOf(page, name)) >= fraction, `${name} at ${fraction * 100}%`, timeout);
}

/** The transfer counters the app keeps for tests. */
export async function countersOf(page: Page): Promise<TransferCounters> {
  return page.evaluate(() => ({ ...(window as unknown as { __huddleFiles: TransferCounters }).__huddleFiles }));
}
