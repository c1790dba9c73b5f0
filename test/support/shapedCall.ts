import type { Browser, Page } from 'playwright-core';
import { expectVideoPlaying, joinRoom, launchBrowser } from './browser.ts';
import { createTestNetwork, type TestNetwork } from './netns.ts';
import { waitUntil } from './poll.ts';
import { recordPeerConnections } from './rtcStats.ts';
import { startServer, type RunningServer } from './server.ts';
import { shapeDownlink } from './shaping.ts';

/**
 * A server on the host side of a test network, one Chromium outside (senders, unshaped viewers) and one inside
 * the namespace (viewers whose downlink the test shapes with `shape`). Needs root (CI is).
 */
export type ShapedSetup = {
  network: TestNetwork;
  server: RunningServer;
  outside: Browser;
  inside: Browser;
  url: string;
  shape(kbit: number | null): void;
  close(): Promise<void>;
};

export async function startShapedSetup(env: Record<string, string> = {}): Promise<ShapedSetup> {
  const network = createTestNetwork();
  const address = network.hostAddress;
  const server = await startServer({ HOST: address, RTC_LISTEN_IP: address, RTC_ANNOUNCED_ADDRESS: address, LOG_LEVEL: 'warn', ...env });
  const [outside, inside] = await Promise.all([launchBrowser(), launchBrowser([], network.chromiumInside)]);
  return {
    network,
    server,
    outside,
    inside,
    // https: a page on a LAN address is a secure context only over TLS.
    url: server.httpsUrl!,
    shape: (kbit) => shapeDownlink(network, kbit),
    close: async () => {
      await inside.close().catch(() => {});
      await outside.close().catch(() => {});
      await server.stop();
      shapeDownlink(network, null);
      network.remove();
    },
  };
}

/** A page with its peer connections recorded (rtcStats.ts), of the given size. */
export async function openPage(browser: Browser, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await recordPeerConnections(page);
  return page;
}

/** Joins and waits until `watch` plays; a browser just started in a namespace may fail its first load. */
export async function joinAndWatch(
  page: Page,
  url: string,
  room: string,
  name: string,
  options: { watchOnly?: boolean; watch?: string } = {},
): Promise<void> {
  await waitUntil(() => page.goto(url).then(() => true, () => false), 'the page to load', 15_000);
  await joinRoom(page, url, room, name, { watchOnly: options.watchOnly });
  if (options.watch) await expectVideoPlaying(page, options.watch, 30_000);
}
