import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.ts';
import { startServer, type RunningServer } from './server.ts';

/**
 * One real server and one Chromium for a test file, started before its tests and stopped after. Read the fields
 * inside tests (they are filled in by beforeAll).
 */
export function useServerAndBrowser(env: Record<string, string> = {}): { server: RunningServer; browser: Browser } {
  const environment = {} as { server: RunningServer; browser: Browser };
  beforeAll(async () => {
    [environment.server, environment.browser] = await Promise.all([startServer(env), launchBrowser()]);
  });
  afterAll(async () => {
    await environment.browser?.close();
    await environment.server?.stop();
  });
  return environment;
}
