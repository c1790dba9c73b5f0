import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultTuning } from '../../app/files/tuning.ts';
import { FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import { joinRoom, openPhone, tile } from '../support/browser.ts';
import { useCluster } from '../support/cluster.ts';
import {
  acceptFile,
  countersOf,
  expectTransferDone,
  makeFile,
  progressOf,
  sendFile,
  sha256OfFile,
  statusOf,
  testDir,
  type TestFile,
} from '../support/files.ts';
import { waitUntil } from '../support/poll.ts';

/*
 * Files between people of one room on different servers of one service: the offer, answers and acknowledgements go
 * between the servers over Redis, the bytes through the link between the servers' routers. The app cannot tell.
 * Then the sender's server dies mid-file: the sender comes back through the other server by itself, and the file
 * goes on from the last byte the receiver confirmed.
 */

const MiB = 1024 * 1024;
/** A resumed file sends again at most what was in flight when it broke: one send window and a chunk, twice over. */
const RESEND_BOUND = 2 * defaultTuning.sendWindow + FILE_CHUNK_SIZE;
const cluster = useCluster();
const dir = testDir();
const open: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((context) => context.close()));
});

/** A phone joined to `room` through `url`, seeing the others' cameras. */
async function person(url: string, room: string, name: string, others: string[]): Promise<Page> {
  const { context, page } = await openPhone(cluster.browser);
  open.push(context);
  await joinRoom(page, url, room, name);
  for (const other of others) await tile(page, `${other} camera`).waitFor({ timeout: 20_000 });
  return page;
}

async function expectSaved(sender: Page, receiver: Page, file: TestFile, download: Awaited<ReturnType<typeof acceptFile>>): Promise<void> {
  await expectTransferDone(receiver, file.name, 120_000);
  await expectTransferDone(sender, file.name, 30_000);
  expect(await sha256OfFile(await download.path())).toBe(file.sha256);
}

describe('files across two servers', () => {
  test('Alice on server 1 sends Bob on server 2 a file; it arrives whole, with progress on both sides', async () => {
    const alice = await person(cluster.one.url, 'files-across', 'Alice', []);
    const bob = await person(cluster.two.url, 'files-across', 'Bob', ['Alice']);
    await tile(alice, 'Bob camera').waitFor({ timeout: 20_000 });
    const file = makeFile(dir, 'across.bin', 32 * MiB);

    await sendFile(alice, file.path, 'Bob');
    await waitUntil(async () => /Waiting for an answer/.test(await statusOf(alice, file.name)), 'Alice to see her offer waiting', 15_000);
    const startedAt = Date.now();
    const download = await acceptFile(bob, file.name);
    await waitUntil(async () => (await progressOf(bob, file.name)) >= 0.2, 'Bob at 20 %', 60_000);
    expect(await progressOf(alice, file.name)).toBeGreaterThan(0.05);
    await expectSaved(alice, bob, file, download);
    const seconds = (Date.now() - startedAt) / 1000;
    const { bytesSent } = await countersOf(alice);
    process.stdout.write(`32 MiB across servers: ${(file.size / MiB / seconds).toFixed(1)} MiB/s, ${bytesSent} bytes sent\n`);
    expect(bytesSent).toBeLessThanOrEqual(file.size + RESEND_BOUND);
  }, 180_000);

  test("the sender's server dies mid-file: she comes back through the other server and the file goes on from Bob's last confirmed byte", async () => {
    const bob = await person(cluster.one.url, 'files-server-dies', 'Bob', []);
    // Through the balancer, which prefers server two while it runs.
    const alice = await person(cluster.balancer.url, 'files-server-dies', 'Alice', ['Bob']);
    expect(cluster.balancer.counts[1]).toBeGreaterThan(0);
    await tile(bob, 'Alice camera').waitFor({ timeout: 20_000 });
    const file = makeFile(dir, 'survives.bin', 64 * MiB);
    await sendFile(alice, file.path, 'Bob');
    const download = await acceptFile(bob, file.name);
    await waitUntil(async () => (await progressOf(bob, file.name)) >= 0.25, 'Bob at 25 %', 60_000);
    const atKill = await progressOf(bob, file.name);

    cluster.two.process.kill('SIGKILL');
    await expectSaved(alice, bob, file, download);
    const { bytesSent, bytesResent } = await countersOf(alice);
    process.stdout.write(`sender's server killed at ${Math.round(atKill * 100)} %: ${bytesSent} bytes sent for ${file.size} (${bytesResent} again)\n`);
    expect(bytesSent).toBeLessThanOrEqual(file.size + RESEND_BOUND);
  }, 240_000);
});
