import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startBalancer, type Balancer } from './balancer.ts';
import { launchBrowser } from './browser.ts';
import { startRedis, type RunningRedis } from './redis.ts';
import { startServer, type RunningServer } from './server.ts';

export type Cluster = {
  redis: RunningRedis;
  /** Two servers of one service (same REDIS_URL), each with its own data directory: `server-one`, `server-two`. */
  one: RunningServer;
  two: RunningServer;
  /** In front of both, preferring server two (refused there, it sends connections to server one). */
  balancer: Balancer;
  browser: Browser;
};

/**
 * Redis, two servers joined through it, a failover load balancer and one Chromium for a test file: started before
 * its tests, stopped after (a server a test killed included). Read the fields inside tests.
 */
export function useCluster(options: { appendOnly?: boolean } = {}): Cluster {
  const cluster = {} as Cluster;
  const ownDataDir = () => mkdtempSync(path.join(os.tmpdir(), 'huddle-cluster-e2e-'));
  beforeAll(async () => {
    cluster.redis = await startRedis(options.appendOnly ? { appendOnly: true } : {});
    const server = (id: string) => startServer({ REDIS_URL: cluster.redis.url, DATA_DIR: ownDataDir(), SERVER_ID: id });
    [cluster.one, cluster.two, cluster.browser] = await Promise.all([server('server-one'), server('server-two'), launchBrowser()]);
    cluster.balancer = await startBalancer([cluster.one.port, cluster.two.port]);
    cluster.balancer.prefer(1);
  }, 60_000);
  afterAll(async () => {
    await cluster.browser?.close();
    await cluster.balancer?.close();
    await Promise.all([cluster.one?.stop(), cluster.two?.stop()]);
    await cluster.redis?.stop();
  });
  return cluster;
}
