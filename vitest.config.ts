import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{app,server,shared,sw}/**/*.test.{ts,tsx}'],
          environment: 'node',
          env: { LOG_LEVEL: 'warn' },
        },
      },
      {
        // The whole server without a browser (raw WebSocket clients, TLS, a TCP balancer) and the deploy files: light on
        // CPU, and some wait out real timeouts, so they run in parallel with the unit tests rather than one at a time
        // with the browser tests (vitest runs the one-at-a-time files first, then the parallel ones).
        test: {
          name: 'service',
          include: ['test/service/**/*.test.ts', 'test/deploy/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          // Real Chromium and mediasoup on 2 cores: one file at a time, generous timeouts.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // expect.poll's 1 s default fails on a busy 2-core machine before the browser has caught up.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
