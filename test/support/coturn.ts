import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCertificate } from '../../server/tls/certificate.ts';

export type RunningTurn = {
  host: string;
  /** TURN over UDP and TCP. */
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

const script = path.resolve(import.meta.dirname, '../../docker/turnserver.sh');

/**
 * Starts Debian's coturn on loopback with a fresh shared secret (REST-API auth), on UDP/TCP and TLS (with a
 * self-signed certificate made by the app's own code), configured by docker/turnserver.sh as in production: its
 * relays reach `sfuAddress` (the SFU under test, on a loopback address of its own) and nothing else. Resolves once
 * it listens.
 */
export async function startTurn(options: { sfuAddress: string }): Promise<RunningTurn> {
  const port = await freePort();
  const tlsPort = await freePort();
  const secret = randomBytes(16).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huddle-turn-'));
  const tls = await loadOrCreateCertificate({ dir });
  await writeFile(path.join(dir, 'turn.crt'), tls.cert);
  await writeFile(path.join(dir, 'turn.key'), tls.key);
  const child: ChildProcess = spawn(
    'sh',
    [
      script,
      // Only here: the SFU under test listens on loopback. The script still denies every other loopback address.
      '--allow-loopback-peers',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${path.join(dir, 'turnserver.pid')}`,
    ],
    {
      env: {
        PATH: process.env.PATH,
        TURN_SECRET: secret,
        TURN_REALM: 'huddle.test',
        TURN_ALLOWED_PEER_IPS: options.sfuAddress,
        TURN_PORT: String(port),
        TURN_TLS_PORT: String(tlsPort),
        TURN_CERT_FILE: path.join(dir, 'turn.crt'),
        TURN_KEY_FILE: path.join(dir, 'turn.key'),
        TURN_LISTEN_IP: '127.0.0.1',
        TURN_RELAY_IP: '127.0.0.1',
        TURN_MIN_PORT: '52000',
        TURN_MAX_PORT: '52999',
        TURN_CONFIG_FILE: path.join(dir, 'turnserver.conf'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
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
    host: '127.0.0.1',
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
