import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
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

/**
 * Whether a STUN server answers a Binding request on this TCP (or TLS) port: proof that *coturn* holds the port,
 * not some other program that won the race for it.
 */
function answersStun(port: number, overTls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const transaction = randomBytes(12);
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transaction]);
    const socket = overTls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => socket.write(request))
      : connect(port, '127.0.0.1', () => socket.write(request));
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // A Binding success response (0x0101) that echoes our transaction id.
      if (received.length >= 20) done(received.readUInt16BE(0) === 0x0101 && received.subarray(8, 20).equals(transaction));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.setTimeout(1_000, () => done(false));
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
  const secret = randomBytes(16).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huddle-turn-'));
  const tls = await loadOrCreateCertificate({ dir });
  await writeFile(path.join(dir, 'turn.crt'), tls.cert);
  await writeFile(path.join(dir, 'turn.key'), tls.key);
  // A port found free can be taken before coturn binds it (coturn then retries forever): start again on others.
  for (let attempt = 1; ; attempt++) {
    const started = await startOnFreePorts(secret, dir, options.sfuAddress);
    if (started) return started;
    if (attempt === 5) throw new Error('coturn lost the race for a free port five times');
  }
}

async function startOnFreePorts(secret: string, dir: string, sfuAddress: string): Promise<RunningTurn | undefined> {
  const port = await freePort();
  const tlsPort = await freePort();
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
        TURN_ALLOWED_PEER_IPS: sfuAddress,
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
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  // coturn says nothing reliable when it is ready; STUN answered on its TCP and TLS ports is the sign.
  // A port taken by someone else shows as "Cannot bind" (coturn then retries, or exits).
  const lostRace = () => /Cannot bind|Address already in use/.test(output);
  const deadline = Date.now() + 10_000;
  try {
    while (!(await Promise.race([answersStun(port, false), exited])) || !(await answersStun(tlsPort, true))) {
      if (lostRace()) {
        await stop('SIGKILL'); // one stuck retrying a bind ignores SIGTERM for a long time
        return undefined;
      }
      if (Date.now() > deadline) throw new Error(`coturn did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    if (child.exitCode !== null && lostRace()) return undefined;
    throw error;
  }
  exited.catch(() => {}); // from here on, an exit is a stop
  return {
    host: '127.0.0.1',
    port,
    secret,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    tlsUrl: `turns:127.0.0.1:${tlsPort}?transport=tcp`,
    stop: () => stop(),
  };
}
