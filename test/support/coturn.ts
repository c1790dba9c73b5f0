import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCertificate } from '../../server/tls/certificate.ts';

export type RunningTurn = {
  port: number;
  secret: string;
  urls: string[];
  /** TURN over TLS (TCP), with a self-signed certificate. */
  tlsUrl: string;
  stop(): Promise<void>;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts Debian's coturn on loopback with a fresh shared secret (REST-API auth), on UDP/TCP and TLS (with a
 * self-signed certificate made by the app's own code), relaying to loopback peers (the test's mediasoup listens on
 * 127.0.0.1), and resolves once it listens.
 */
export async function startTurn(): Promise<RunningTurn> {
  const port = await freePort();
  const tlsPort = await freePort();
  const secret = randomBytes(16).toString('hex');
  const tlsDir = await mkdtemp(path.join(os.tmpdir(), 'huddle-turn-tls-'));
  const tls = await loadOrCreateCertificate({ dir: tlsDir });
  await writeFile(path.join(tlsDir, 'turn.crt'), tls.cert);
  await writeFile(path.join(tlsDir, 'turn.key'), tls.key);
  const child: ChildProcess = spawn(
    'turnserver',
    [
      '-n', // no config file
      '--no-cli',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=huddle.test',
      '--allow-loopback-peers',
      `--tls-listening-port=${tlsPort}`,
      `--cert=${path.join(tlsDir, 'turn.crt')}`,
      `--pkey=${path.join(tlsDir, 'turn.key')}`,
      '--no-dtls',
      '--min-port=52000',
      '--max-port=52999',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${path.join(os.tmpdir(), `huddle-turn-${port}.pid`)}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`coturn exited with ${code}:\n${output}`))),
  );
  // coturn says nothing reliable when it is ready; its TCP listener accepting a connection is the sign.
  const deadline = Date.now() + 10_000;
  while (!(await Promise.race([accepts(port), exited]))) {
    if (Date.now() > deadline) throw new Error(`coturn did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  exited.catch(() => {}); // from here on, an exit is a stop
  return {
    port,
    secret,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    tlsUrl: `turns:127.0.0.1:${tlsPort}?transport=tcp`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
