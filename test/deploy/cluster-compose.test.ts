import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../server/config.ts';

/*
 * No Docker engine or HAProxy runs where these tests run: docker/compose.cluster.yml is checked the way we can.
 * It parses, its files exist, each Huddle server's environment (filled in from .env.example, as compose would)
 * is a configuration the server accepts, and the servers, Redis and HAProxy agree on ports, ids and the password.
 */

const root = path.resolve(import.meta.dirname, '../..');
type Service = { environment?: Record<string, string>; volumes?: string[]; command?: string[]; depends_on?: unknown };
const composeText = readFileSync(path.join(root, 'docker/compose.cluster.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const haproxy = readFileSync(path.join(root, 'docker/haproxy.cfg'), 'utf8');
const envExample = Object.fromEntries(
  readFileSync(path.join(root, '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^\w+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}; a missing required variable throws. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind?: string, rest?: string) => {
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '-') return rest ?? '';
    if (kind === '?') throw new Error(`${name}: ${rest}`);
    return '';
  });
}

const huddleServers = ['huddle-1', 'huddle-2'];
const configOf = (service: string) => {
  const environment = compose.services[service]?.environment ?? {};
  return loadConfig(Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, interpolate(String(value), envExample)])));
};

describe('docker/compose.cluster.yml', () => {
  test('two Huddle servers, Redis, HAProxy and coturn; every file it mounts exists', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['balancer', 'coturn', 'huddle-1', 'huddle-2', 'redis']);
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(path.join(root, 'docker', source)), source).toBe(true);
      }
    }
  });

  test('each server’s environment, filled in from .env.example, is a configuration the server accepts, one service on one Redis', () => {
    const configs = huddleServers.map(configOf);
    const [one, two] = configs;
    expect(one?.cluster?.redisUrl).toBe(`redis://:${envExample.REDIS_PASSWORD}@127.0.0.1:6379/0`);
    expect(two?.cluster?.redisUrl).toBe(one?.cluster?.redisUrl);
    expect(configs.map((config) => config.cluster?.serverId)).toEqual(huddleServers);
    expect(configs.map((config) => config.cluster?.address)).toEqual([envExample.PUBLIC_IP, envExample.PUBLIC_IP]);
    expect(one?.inviteSecret).toBe(two?.inviteSecret); // an invite made on one server opens the room on the other
    expect(new Set(configs.map((config) => config.port)).size).toBe(2);
    // Worker i of a server uses RTC_PORT + i: the two ranges must not meet.
    const [first, second] = configs.map((config) => [config.rtcPort, config.rtcPort + config.workers - 1] as const);
    expect(first![1] < second![0] || second![1] < first![0]).toBe(true);
    for (const config of configs) expect([config.host, config.https, config.trustedProxies]).toEqual(['127.0.0.1', undefined, 1]);
  });

  test('Redis asks for the password the servers use and keeps its data on disk', () => {
    const command = (compose.services.redis?.command ?? []).map((part) => interpolate(part, envExample));
    expect(command[command.indexOf('--requirepass') + 1]).toBe(envExample.REDIS_PASSWORD);
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(command[command.indexOf('--bind') + 1]).toBe('127.0.0.1');
  });

  test('HAProxy sends to exactly these servers, by room, with a cookie named after each', () => {
    const servers = [...haproxy.matchAll(/^\s*server (\S+) 127\.0\.0\.1:(\d+) .*cookie (\S+)/gm)].map((match) => [match[1], Number(match[2]), match[3]]);
    expect(servers).toEqual(huddleServers.map((service) => [service, configOf(service).port, service]));
    expect(haproxy).toMatch(/^\s*balance uri depth 2 path-only$/m);
    expect(haproxy).toMatch(/^\s*option httpchk GET \/healthz$/m);
  });

  test('every variable it requires is in .env.example', () => {
    const required = [...composeText.matchAll(/\$\{(\w+):\?/g)].map((match) => match[1]!);
    expect(required.filter((name) => !(name in envExample))).toEqual([]);
  });
});
