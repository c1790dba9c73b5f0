import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedWorkerBinPath } from '../../server/sfu/workerBin.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A home of the tests' own (one per test file): the server must not read or rewrite the developer's
 * ~/.config/huddle/tls (a phone accepted that certificate) or chat history, nor pick up anything else from their
 * home. The data directory is the same for every server a test file starts, so a restarted server keeps its chat.
 */
let ownHome: { home: string; tls: string; data: string } | undefined;
function testHome(): { home: string; tls: string; data: string } {
  if (!ownHome) {
    const home = mkdtempSync(path.join(os.tmpdir(), 'huddle-e2e-home-'));
    ownHome = { home, tls: path.join(home, 'tls'), data: path.join(home, 'data') };
    mkdirSync(ownHome.tls);
  }
  return ownHome;
}

/**
 * The environment a test server starts with: only PATH from the developer's, a home and TLS directory of the
 * tests' own, and the worker binary this machine built (found with the real home, which the server no longer sees).
 */
export function cleanServerEnv(env: Record<string, string>, testHooks = true): Record<string, string> {
  const { home, tls, data } = testHome();
  const workerBin = process.env.MEDIASOUP_WORKER_BIN ?? cachedWorkerBinPath();
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TLS_DIR: tls,
    DATA_DIR: data,
    ...(existsSync(workerBin) ? { MEDIASOUP_WORKER_BIN: workerBin } : {}),
    PORT: '0',
    HOST: '127.0.0.1',
    RTC_LISTEN_IP: '127.0.0.1',
    RTC_PORT: '0',
    HTTPS_PORT: '0',
    // Two workers, as a server on a 2-core machine has by default: a room's people are spread over both (each on the
    // least loaded one), so every call test also crosses workers through pipes. HUDDLE_E2E_WORKERS=1 runs without.
    MEDIASOUP_WORKERS: process.env.HUDDLE_E2E_WORKERS ?? '2',
    ...(testHooks ? { HUDDLE_TEST_HOOKS: '1' } : {}),
    LOG_LEVEL: 'info',
    ...env,
  };
}

export type RunningServer = {
  url: string;
  port: number;
  /** The HTTPS address (self-signed certificate), unless started with HTTPS=off. */
  httpsUrl: string | undefined;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
};

/**
 * Starts the real server (`node server/index.ts`, as `npm start` does) on loopback with a free port, one
 * mediasoup worker and (unless `testHooks: false`) the test hooks, in a clean environment (cleanServerEnv), and
 * resolves once it listens.
 */
export async function startServer(env: Record<string, string> = {}, options: { testHooks?: boolean } = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, ['server/index.ts'], {
    cwd: root,
    env: cleanServerEnv(env, options.testHooks ?? true),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const httpsPort = /over https: https:\/\/[^:]+:(\d+)/.exec(output)?.[1];
  const host = env.HOST ?? '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
    httpsUrl: httpsPort ? `https://${host}:${httpsPort}` : undefined,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        // Exited by itself or killed by a signal (a test's SIGKILL): nothing left to stop.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

/**
 * Takes `server` down and starts it again on the same port and data directory (with `env`, which should be what it
 * was started with): `graceful` sends SIGTERM and waits for its exit (it closes rooms and the database as on a
 * deploy), `kill` sends SIGKILL (a crash, the OOM killer: nothing is flushed or said goodbye to). `whileDown` runs
 * between the two, with the server gone. Resolves with the new server and how long it was down.
 */
export async function restartServer(
  server: RunningServer,
  how: 'graceful' | 'kill',
  env: Record<string, string> = {},
  whileDown: () => Promise<void> = async () => {},
): Promise<{ server: RunningServer; downMs: number }> {
  const child = server.process;
  const downAt = Date.now();
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (how === 'kill') child.kill('SIGKILL');
    else void server.stop();
    await exited;
  }
  await whileDown();
  const again = await startServer({ ...env, PORT: String(server.port) });
  return { server: again, downMs: Date.now() - downAt };
}
