import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** Starts the real server entry point with only these variables set; resolves with what an operator would see. */
function startServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const entry = path.join(import.meta.dirname, 'index.ts');
  const child = spawn(process.execPath, [entry], { env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env } });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, stdout })));
}

describe('configuration errors', () => {
  test('one mistake is one sentence that names the variable and the bad value', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT must be a whole number from 0 to 65535, not "abc".']);
    expect(problemsOf({ PORT: '70000' })).toEqual(['PORT must be a whole number from 0 to 65535, not "70000".']);
    expect(problemsOf({ HTTPS: 'yes' })).toEqual(['HTTPS must be "on" or "off", not "yes".']);
  });

  test('secrets are never echoed back', () => {
    const [problem] = problemsOf({ INVITE_SECRET: 'short-secret' });
    expect(problem).toBe('INVITE_SECRET must have at least 16 characters.');
  });

  test('TRUST_PROXY counts proxies: 0 and 1 keep working, 2 means two', () => {
    expect(loadConfig({}).trustedProxies).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustedProxies).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustedProxies).toBe(2);
    expect(problemsOf({ TRUST_PROXY: 'yes' })).toEqual(['TRUST_PROXY must be a whole number from 0 to 10, not "yes".']);
  });

  test('DATA_DIR defaults under XDG_DATA_HOME, and one that cannot be a directory stops the start with one sentence', async () => {
    expect(loadConfig({ XDG_DATA_HOME: '/srv/data' }).dataDir).toBe('/srv/data/huddle');
    expect(loadConfig({ DATA_DIR: '/var/lib/huddle' }).dataDir).toBe('/var/lib/huddle');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'huddle-config-'));
    writeFileSync(path.join(dir, 'file'), '');
    const { code, stderr } = await startServer({ DATA_DIR: path.join(dir, 'file', 'huddle') });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `DATA_DIR "${path.join(dir, 'file', 'huddle')}" cannot be used for the chat history: a file is in the way. Set DATA_DIR to a writable directory.`,
    );
  }, 30_000);

  test('REDIS_URL makes this server one of a service; a bad one is one sentence that does not echo its password', () => {
    expect(loadConfig({}).cluster).toBeUndefined();
    const cluster = loadConfig({ REDIS_URL: 'redis://:secret@redis:6379/0', RTC_ANNOUNCED_ADDRESS: '10.0.0.7' }).cluster;
    expect(cluster).toMatchObject({ redisUrl: 'redis://:secret@redis:6379/0', address: '10.0.0.7' });
    expect(cluster?.serverId).toMatch(/^\S+-\d+-[0-9a-f]{6}$/);
    expect(loadConfig({ REDIS_URL: 'rediss://redis.example.org:6380', SERVER_ID: 'huddle-1', CLUSTER_ADDRESS: '10.1.0.1' }).cluster).toEqual({
      redisUrl: 'rediss://redis.example.org:6380',
      serverId: 'huddle-1',
      address: '10.1.0.1',
    });
    expect(problemsOf({ REDIS_URL: 'http://:hunter2@redis:6379' })).toEqual([
      'REDIS_URL must be a URL like redis://host:6379 or rediss://user:password@host:6380/0.',
    ]);
    expect(problemsOf({ SERVER_ID: 'two words' })).toEqual([
      'SERVER_ID must be 1 to 64 letters, digits, dots, dashes or underscores, not "two words".',
    ]);
    expect(problemsOf({ CLUSTER_ADDRESS: 'http://10.0.0.1/' })).toEqual(['CLUSTER_ADDRESS must be an IP address or host name, not "http://10.0.0.1/".']);
  });

  test('a server whose Redis cannot be reached does not start: one sentence naming REDIS_URL, exit code 1', async () => {
    const { code, stderr } = await startServer({ REDIS_URL: 'redis://127.0.0.1:1', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'huddle-config-')) });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'REDIS_URL: Redis at 127.0.0.1:1 cannot be reached (connect ECONNREFUSED 127.0.0.1:1); start it or fix the address.',
    );
  }, 40_000);

  test('the server refuses to start with one sentence per problem, no stack trace, exit code 1', async () => {
    const { code, stderr, stdout } = await startServer({
      PORT: 'abc',
      HTTPS: 'maybe',
      LOG_LEVEL: 'loud',
      TURN_URLS: 'turn:turn.example.org:3478',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'PORT must be a whole number from 0 to 65535, not "abc".',
      'HTTPS must be "on" or "off", not "maybe".',
      'LOG_LEVEL must be "debug", "info", "warn", "error" or "silent", not "loud".',
      "TURN_URLS needs TURN_SECRET (coturn's static-auth-secret).",
    ]);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
