import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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
 * mediasoup worker and the test hooks, and resolves once it listens.
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, ['server/index.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      RTC_LISTEN_IP: '127.0.0.1',
      RTC_PORT: '0',
      HTTPS_PORT: '0',
      MEDIASOUP_WORKERS: '1',
      HUDDLE_TEST_HOOKS: '1',
      LOG_LEVEL: 'info',
      ...env,
    },
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
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
