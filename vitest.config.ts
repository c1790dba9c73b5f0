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
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
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
