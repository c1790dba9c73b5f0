import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type RunningRedis = {
  url: string;
  port: number;
  /** Its data directory (kept after `kill`, for a restart). */
  dir: string;
  appendOnly: boolean;
  process: ChildProcess;
  /** Kills it at once (SIGKILL): the service sees Redis vanish. Its directory stays, for `startRedis({ restartOf })`. */
  kill(): Promise<void>;
  stop(): Promise<void>;
};

/** A free loopback TCP port (asked of the kernel, then released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Debian's redis-server for one test file: loopback, a random port, a temporary directory, nothing saved to
 * disk. Resolves once it accepts connections. `restartOf` starts one again on the same port and directory (a Redis
 * coming back); `appendOnly` keeps every write in that directory, as a production Redis should, so it comes back
 * with what it held.
 */
export async function startRedis(options: { restartOf?: RunningRedis; appendOnly?: boolean } = {}): Promise<RunningRedis> {
  const chosen = options.restartOf?.port ?? (await freePort());
  const dir = options.restartOf?.dir ?? mkdtempSync(path.join(os.tmpdir(), 'huddle-redis-'));
  const appendOnly = options.appendOnly ?? options.restartOf?.appendOnly ?? false;
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(chosen), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'yes'],
      ...(appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not start (is it installed? scripts/setup.sh --for-tests): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals, keepDir: boolean) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  };
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    dir,
    appendOnly,
    process: child,
    kill: () => end('SIGKILL', true),
    stop: () => end('SIGTERM', false),
  };
}
