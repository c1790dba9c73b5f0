import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { cachedWorkerBinPath } from '../../server/sfu/workerBin.ts';
import { waitUntil } from '../support/poll.ts';

/*
 * No Docker engine runs where these tests run, so the image is checked the way we can: the files parse and agree
 * with each other, and the runtime stage's own CMD and HEALTHCHECK, with its ENV, run outside Docker.
 */

const root = path.resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(path.join(root, 'docker/Dockerfile'), 'utf8');
type Service = {
  network_mode?: string;
  container_name?: string;
  environment?: Record<string, string>;
  entrypoint?: string[];
  command?: string[];
  group_add?: string[];
  volumes?: string[];
};
const compose = parse(readFileSync(path.join(root, 'docker/compose.yml'), 'utf8')) as { services: Record<string, Service> };
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8');

/** The runtime stage: everything after the last FROM, with line continuations joined. */
const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM ')).replace(/\\\n\s*/g, ' ');

function instruction(name: string): string {
  const line = runtime.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} in the runtime stage`);
  return line.slice(name.length + 1).trim();
}

function runtimeEnv(): Record<string, string> {
  return Object.fromEntries([...instruction('ENV').matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1], match[2]]));
}

describe('docker/Dockerfile', () => {
  test('multi-stage on Node 24, production dependencies only, runs as a non-root user, checks its health', () => {
    expect(dockerfile.match(/^FROM node:24[\w.-]* AS \w+/gm)).toHaveLength(2);
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(instruction('USER')).toBe('node');
    expect(instruction('HEALTHCHECK')).toMatch(/CMD \[/);
  });

  test('everything the server imports is a production dependency (the pruned image can run it)', () => {
    const dependencies = Object.keys((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: object }).dependencies);
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) return name === 'testing' ? [] : files(full);
        return full.endsWith('.ts') && !full.endsWith('.test.ts') ? [full] : [];
      });
    const imported = new Set<string>();
    for (const file of [...files(path.join(root, 'server')), ...files(path.join(root, 'shared'))]) {
      for (const match of readFileSync(file, 'utf8').matchAll(/^import (?!type )[^'"]*['"]([^'".][^'"]*)['"]/gm)) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:')) continue;
        imported.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
    expect([...imported].filter((name) => !dependencies.includes(name))).toEqual([]);
  });

  test('the runtime CMD starts the server with the image’s ENV, and the HEALTHCHECK tells up from down', async () => {
    const cmd = JSON.parse(instruction('CMD')) as string[];
    const health = JSON.parse(instruction('HEALTHCHECK').replace(/^.*?CMD /, '')) as string[];
    expect(cmd[0]).toBe('node');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: await mkdtemp(path.join(os.tmpdir(), 'huddle-docker-home-')),
      ...runtimeEnv(),
      // Only what must differ outside a container: a port the kernel picks (no race with other programs for a
      // "free" one), a writable TLS directory, loopback, and the worker this machine has.
      PORT: '0',
      HTTPS_PORT: '0',
      RTC_PORT: '0',
      HOST: '127.0.0.1',
      RTC_LISTEN_IP: '127.0.0.1',
      MEDIASOUP_WORKERS: '1',
      TLS_DIR: await mkdtemp(path.join(os.tmpdir(), 'huddle-docker-tls-')),
      DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'huddle-docker-data-')),
      ...(existsSync(cachedWorkerBinPath()) ? { MEDIASOUP_WORKER_BIN: cachedWorkerBinPath() } : {}),
    };
    const server = spawn(process.execPath, cmd.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The health check reads PORT as in the container, where it is the port the server listens on.
    let port = '';
    const check = () => spawnSync(process.execPath, health.slice(1), { env: { ...env, PORT: port }, timeout: 10_000 }).status;
    try {
      await waitUntil(() => {
        port = /Huddle listening on http:\/\/[^:]+:(\d+)/.exec(output)?.[1] ?? '';
        return port !== '';
      }, `the server to start:\n${output}`, 30_000);
      expect(check()).toBe(0);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    expect(check()).toBe(1);
  });
});

describe('docker/compose.yml', () => {
  test('the chat history and TLS directory live in the image’s volume, which compose keeps in a named volume', () => {
    const volume = JSON.parse(instruction('VOLUME')) as string[];
    const { DATA_DIR, TLS_DIR } = runtimeEnv();
    const inside = (dir: string | undefined) => volume.some((root) => dir === root || dir?.startsWith(`${root}/`));
    expect(inside(DATA_DIR)).toBe(true);
    expect(inside(TLS_DIR)).toBe(true);
    // The server's user owns it (the chat database is written there).
    expect(runtime).toMatch(new RegExp(`chown -R node:node ${volume[0]}`));
    const mount = compose.services.app?.volumes?.find((entry) => entry.endsWith(`:${volume[0]}`));
    const named = mount?.split(':')[0] ?? '';
    expect(named).toMatch(/^[\w-]+$/); // a named volume, not a host path that may not exist
    expect(Object.keys((parse(readFileSync(path.join(root, 'docker/compose.yml'), 'utf8')) as { volumes: object }).volumes)).toContain(named);
  });


  test('runs the app and coturn on the host network, sharing one TURN secret and the same ports', () => {
    const { app, coturn } = compose.services;
    expect(app?.network_mode).toBe('host');
    expect(coturn?.network_mode).toBe('host');
    expect(app?.environment?.TURN_SECRET).toContain('${TURN_SECRET');
    expect(coturn?.environment?.TURN_SECRET).toBe('${TURN_SECRET}');
    expect(app?.environment?.TURN_URLS).toContain('${TURN_PORT:-3478}');
    expect(coturn?.environment?.TURN_PORT).toBe('${TURN_PORT:-3478}');
    expect(app?.environment?.TURN_URLS).toMatch(/turns:.*\$\{TURN_TLS_PORT:-5349\}/);
    expect(coturn?.environment?.TURN_TLS_PORT).toBe('${TURN_TLS_PORT:-5349}');
  });

  test('coturn is configured by docker/turnserver.sh: relays reach the SFU’s announced address and nothing else', () => {
    const { app, coturn } = compose.services;
    expect(coturn?.entrypoint).toEqual(['sh', '/huddle/turnserver.sh']);
    expect(coturn?.volumes).toContain('./turnserver.sh:/huddle/turnserver.sh:ro');
    const variable = (value: string | undefined) => /^\$\{(\w+)/.exec(value ?? '')?.[1];
    expect(variable(coturn?.environment?.TURN_ALLOWED_PEER_IPS)).toBe(variable(app?.environment?.RTC_ANNOUNCED_ADDRESS));

    // The configuration the script writes from compose's environment (with .env.example's values), read by a
    // stand-in `turnserver` that prints the file it was given.
    const example = Object.fromEntries([...envExample.matchAll(/^(\w+)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]));
    const substitute = (value: string) =>
      value.replace(/\$\{(\w+)(?::[-?]([^}]*))?\}/g, (_, name: string, fallback?: string) => example[name] ?? fallback ?? '');
    const bin = mkdtempSync(path.join(os.tmpdir(), 'huddle-fake-turnserver-'));
    writeFileSync(path.join(bin, 'turnserver'), '#!/bin/sh\n[ "$1" = -c ] && cat "$2"\n', { mode: 0o755 });
    const environment = Object.fromEntries(Object.entries(coturn?.environment ?? {}).map(([name, value]) => [name, substitute(value)]));
    const run = spawnSync('sh', [path.join(root, 'docker/turnserver.sh'), ...(coturn?.command ?? [])], {
      env: { ...environment, PATH: `${bin}:${process.env.PATH}`, TURN_CONFIG_FILE: path.join(bin, 'turnserver.conf') },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines).toContain('denied-peer-ip=0.0.0.0-255.255.255.255');
    expect(lines).toContain('denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(lines.filter((line) => line.startsWith('allowed-peer-ip='))).toEqual([`allowed-peer-ip=${example.PUBLIC_IP}`]);
    expect(lines).toContain('no-tcp-relay');
    expect(lines).not.toContain('allow-loopback-peers');
    expect(lines.some((line) => /^user-quota=[1-9]/.test(line))).toBe(true);
    expect(lines.some((line) => /^total-quota=[1-9]/.test(line))).toBe(true);
    expect(lines).toContain(`static-auth-secret=${example.TURN_SECRET}`);
    expect(statSync(path.join(bin, 'turnserver.conf')).mode & 0o077).toBe(0); // it holds the secret
  });

  test('certificates come from a directory of real files, which the certbot deploy hook fills, not from live/', () => {
    const { app, coturn } = compose.services;
    const certs = '${TLS_DIR_ON_HOST:-/etc/huddle/certs}:/certs:ro';
    expect(app?.volumes).toContain(certs);
    expect(coturn?.volumes).toContain(certs);
    expect(envExample).toMatch(/^TLS_DIR_ON_HOST=\/etc\/huddle\/certs$/m);
    expect(envExample).toMatch(/^TLS_CERT_FILE=\/certs\/fullchain\.pem$/m);
    expect(envExample).toMatch(/^TLS_KEY_FILE=\/certs\/privkey\.pem$/m);
    expect(coturn?.group_add).toEqual(['1000']);
  });

  test('the certbot deploy hook copies live/ (symlinks into archive/) as real files the node user can read, and tells coturn', () => {
    const letsencrypt = mkdtempSync(path.join(os.tmpdir(), 'huddle-letsencrypt-'));
    const dest = path.join(letsencrypt, 'huddle-certs');
    const bin = path.join(letsencrypt, 'bin');
    for (const dir of ['archive/meet.example.org', 'live/meet.example.org', 'bin']) mkdirSync(path.join(letsencrypt, dir), { recursive: true });
    // A stand-in `docker` that notes how it was called.
    writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\necho "$*" >> ${path.join(bin, 'docker.log')}\n`, { mode: 0o755 });
    const renew = (version: number) => {
      for (const name of ['fullchain', 'privkey']) {
        writeFileSync(path.join(letsencrypt, 'archive/meet.example.org', `${name}${version}.pem`), `${name} ${version}\n`, { mode: 0o600 });
        const link = path.join(letsencrypt, 'live/meet.example.org', `${name}.pem`);
        rmSync(link, { force: true });
        symlinkSync(`../../archive/meet.example.org/${name}${version}.pem`, link);
      }
    };
    // As root (certbot's hooks run as root) the copies go to the image's node user; otherwise to whoever runs this.
    const owner = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const hook = () =>
      spawnSync('sh', [path.join(root, 'docker/certbot-deploy-hook.sh')], {
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          RENEWED_LINEAGE: path.join(letsencrypt, 'live/meet.example.org'),
          HUDDLE_CERT_DIR: dest,
          HUDDLE_CERT_OWNER: `${owner.uid}:${owner.gid}`,
        },
        encoding: 'utf8',
      });

    for (const version of [1, 2]) {
      renew(version);
      const run = hook();
      expect(run.status, run.stderr).toBe(0);
      for (const [name, mode] of [['fullchain.pem', 0o644], ['privkey.pem', 0o640]] as const) {
        const copy = lstatSync(path.join(dest, name));
        expect(copy.isFile()).toBe(true); // a real file, not a symlink that dangles inside the container
        expect(copy.mode & 0o777).toBe(mode);
        expect({ uid: copy.uid, gid: copy.gid }).toEqual(owner);
        expect(readFileSync(path.join(dest, name), 'utf8')).toBe(`${name.replace('.pem', '')} ${version}\n`);
      }
      expect(readdirSync(dest).sort()).toEqual(['fullchain.pem', 'privkey.pem']); // no temporary files left
    }
    expect(readFileSync(path.join(bin, 'docker.log'), 'utf8').trim().split('\n')).toEqual(
      Array(2).fill(`kill --signal=USR2 ${compose.services.coturn?.container_name}`),
    );
    expect(compose.services.coturn?.container_name).toBe('huddle-coturn');
  });

  test('every variable the compose file requires is in .env.example', () => {
    const text = readFileSync(path.join(root, 'docker/compose.yml'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{(\w+)/g)].map((match) => match[1]));
    const documented = new Set([...envExample.matchAll(/^(\w+)=/gm)].map((match) => match[1]));
    const required = [...text.matchAll(/\$\{(\w+):\?/g)].map((match) => match[1]);
    expect(required.filter((name) => !documented.has(name))).toEqual([]);
    // Optional ones too, except those that only pick a file name or path default.
    expect([...used].filter((name) => !documented.has(name))).toEqual([]);
  });
});
