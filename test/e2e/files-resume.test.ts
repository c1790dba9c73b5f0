import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { defaultTuning } from '../../app/files/tuning.ts';
import { FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import { joinRoom, launchBrowser, PHONE, tile } from '../support/browser.ts';
import { acceptFile, countersOf, expectTransferDone, makeFile, progressOf, sendFile, sha256OfFile, testDir, waitForProgress } from '../support/files.ts';
import { createTestNetwork, type TestNetwork } from '../support/netns.ts';
import { waitUntil } from '../support/poll.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * Transfers that survive what phones go through: the sender's network drops mid-file (its browser runs in a
 * network namespace whose link the test takes down), and the receiver reloads mid-file. Each time the transfer
 * continues by itself from the last confirmed byte, and the saved file is byte for byte the one sent.
 */

const MiB = 1024 * 1024;
/**
 * What a resume may cost: the bytes in flight when the receiver went away (at most one window), plus the one chunk a
 * sender re-sends to probe a receiver that has gone silent for a few seconds (outgoing.ts, the stall check).
 */
const RESEND_BOUND = defaultTuning.sendWindow + FILE_CHUNK_SIZE;
const dir = testDir();
let network: TestNetwork;
let server: RunningServer;
let outside: Browser;
let inside: Browser;

beforeAll(async () => {
  network = createTestNetwork();
  const address = network.hostAddress;
  server = await startServer({ HOST: address, RTC_LISTEN_IP: address, RTC_ANNOUNCED_ADDRESS: address });
  // The server's self-signed certificate: Chromium registers no service worker (which saves received files) over
  // a certificate error unless told to trust it, as a phone that accepted the certificate does.
  const trust = ['--ignore-certificate-errors'];
  [outside, inside] = await Promise.all([launchBrowser(trust), launchBrowser(trust, network.chromiumInside)]);
});

afterAll(async () => {
  await inside?.close();
  await outside?.close();
  await server?.stop();
  network?.remove();
});

// Each test's pages go when it ends: left open, they keep encoding and decoding video and starve the next test.
const contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

async function open(browser: Browser): Promise<Page> {
  // https: a page on a LAN address is only a secure context (camera, service worker) over TLS, as for a phone.
  const context = await browser.newContext({ viewport: PHONE, ignoreHTTPSErrors: true, acceptDownloads: true });
  contexts.push(context);
  return context.newPage();
}

async function aliceAndBob(room: string): Promise<[Page, Page]> {
  const url = server.httpsUrl!;
  const alice = await open(inside);
  const bob = await open(outside);
  // A browser started in a namespace whose link just came up may see "network changed" on its first load.
  await waitUntil(() => alice.goto(url).then(() => true, () => false), 'the page to load inside the namespace', 10_000);
  await joinRoom(alice, url, room, 'Alice');
  await joinRoom(bob, url, room, 'Bob');
  await tile(alice, 'Bob camera').waitFor({ timeout: 20_000 });
  await tile(bob, 'Alice camera').waitFor({ timeout: 20_000 });
  return [alice, bob];
}

/** Resolves with the first download of the page that completes with the file's full content, whichever it is. */
async function savedCopies(downloads: Download[]): Promise<{ ok: number; failed: number; hashes: string[] }> {
  let ok = 0;
  let failed = 0;
  const hashes: string[] = [];
  for (const download of downloads) {
    if (await download.failure()) failed++;
    else {
      ok++;
      hashes.push(await sha256OfFile(await download.path()));
    }
  }
  return { ok, failed, hashes };
}

describe('file transfer resumes', () => {
  test("the sender's connection drops at 40 %: the transfer resumes and completes, re-sending at most one window", async () => {
    const file = makeFile(dir, 'dropped-sender.bin', 32 * MiB);
    const [alice, bob] = await aliceAndBob('files-drop');
    await sendFile(alice, file.path, 'Bob');
    const download = await acceptFile(bob, file.name);
    await waitForProgress(bob, file.name, 0.4);

    network.cut();
    // Down until nothing moves any more on Bob's side, as long as a phone's Wi-Fi takes to come back.
    let last = await progressOf(bob, file.name);
    await waitUntil(
      async () => {
        const now = await progressOf(bob, file.name);
        const stalled = now === last;
        last = now;
        return stalled;
      },
      'the transfer to stall',
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const atCut = await countersOf(alice);
    network.restore();

    await expectTransferDone(bob, file.name, 180_000);
    await expectTransferDone(alice, file.name, 30_000);
    expect(await sha256OfFile(await download.path())).toBe(file.sha256);
    const after = await countersOf(alice);
    process.stdout.write(`drop: ${after.bytesResent} bytes re-sent (window ${defaultTuning.sendWindow}); sent before restore ${atCut.bytesSent}\n`);
    expect(after.bytesResent).toBeLessThanOrEqual(RESEND_BOUND);
  }, 240_000);

  test('the receiver reloads at 60 %: the transfer resumes and one complete, correct file is saved', async () => {
    const file = makeFile(dir, 'reloaded-receiver.bin', 64 * MiB);
    const [alice, bob] = await aliceAndBob('files-reload');
    const downloads: Download[] = [];
    bob.on('download', (download) => downloads.push(download));
    await sendFile(alice, file.path, 'Bob');
    await acceptFile(bob, file.name);
    await waitForProgress(bob, file.name, 0.6);
    const receivedBefore = (await countersOf(bob)).bytesReceived;

    await bob.reload();
    await bob.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await expectTransferDone(bob, file.name, 180_000);
    await expectTransferDone(alice, file.name, 30_000);

    const copies = await savedCopies(downloads);
    const resent = (await countersOf(alice)).bytesResent;
    process.stdout.write(`reload: downloads ${JSON.stringify({ ok: copies.ok, failed: copies.failed })}, Bob had ${receivedBefore} bytes, ${resent} re-sent\n`);
    expect(copies.ok).toBe(1);
    expect(copies.hashes).toEqual([file.sha256]);
    // Bob was not sent again what he had confirmed: only the bytes in flight at the reload. (A second window once
    // went too, 1 run in 3: his new page consumed the link twice, so the server replaced the consumer that got the
    // window re-sent on his resume, and it came again after the sender's stall; app/net/fileLinks.ts.)
    expect(resent).toBeLessThanOrEqual(RESEND_BOUND);
  }, 240_000);
});
