import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
const compose = parse(readFileSync(path.join(root, 'docker/compose.yml'), 'utf8')) as {
  services: Record<string, { network_mode?: string; environment?: Record<string, string>; command?: string[] }>;
};
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
  test('runs the app and coturn on the host network, sharing one TURN secret and the same ports', () => {
    const { app, coturn } = compose.services;
    expect(app?.network_mode).toBe('host');
    expect(coturn?.network_mode).toBe('host');
    expect(app?.environment?.TURN_SECRET).toContain('${TURN_SECRET');
    expect(coturn?.command).toContain('--static-auth-secret=${TURN_SECRET}');
    expect(coturn?.command).toContain('--use-auth-secret');
    expect(app?.environment?.TURN_URLS).toContain('${TURN_PORT:-3478}');
    expect(coturn?.command).toContain('--listening-port=${TURN_PORT:-3478}');
    expect(app?.environment?.TURN_URLS).toMatch(/turns:.*\$\{TURN_TLS_PORT:-5349\}/);
    expect(coturn?.command).toContain('--tls-listening-port=${TURN_TLS_PORT:-5349}');
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
