import os from 'node:os';
import * as v from 'valibot';

/*
 * Every environment variable the server reads, parsed and validated once. The README's configuration table is
 * written from this file: keep them in step.
 */

const intFrom = (fallback: number, min: number, max: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform(Number),
    v.integer('must be an integer'),
    v.minValue(min),
    v.maxValue(max),
  );

const envSchema = v.object({
  PORT: intFrom(3000, 0, 65535),
  HOST: v.optional(v.string(), '0.0.0.0'),
  /** Worker processes; 0 means one per CPU core. */
  MEDIASOUP_WORKERS: intFrom(0, 0, 64),
  /** First UDP/TCP port for media; worker i listens on RTC_PORT + i. 0 picks free ports (tests). */
  RTC_PORT: intFrom(40000, 0, 65535),
  RTC_LISTEN_IP: v.optional(v.string(), '0.0.0.0'),
  /** Address put into ICE candidates; defaults to this host's first LAN IPv4 address. */
  RTC_ANNOUNCED_ADDRESS: v.optional(v.string()),
  PEER_GRACE_MS: intFrom(30_000, 0, 600_000),
  MAX_PEERS_PER_ROOM: intFrom(50, 1, 1000),
  MEDIASOUP_WORKER_BIN: v.optional(v.string()),
  MEDIASOUP_LOG_LEVEL: v.optional(v.picklist(['debug', 'warn', 'error', 'none']), 'warn'),
  /** Serves the built client from here. */
  STATIC_DIR: v.optional(v.string(), 'dist'),
  /** Enables /__test/* endpoints that end-to-end tests use to cut connections. Never in production. */
  HUDDLE_TEST_HOOKS: v.optional(v.picklist(['0', '1']), '0'),
});

export type Config = {
  port: number;
  host: string;
  workers: number;
  rtcPort: number;
  rtcListenIp: string;
  rtcAnnouncedAddress: string;
  peerGraceMs: number;
  maxPeersPerRoom: number;
  workerBin: string | undefined;
  mediasoupLogLevel: 'debug' | 'warn' | 'error' | 'none';
  staticDir: string;
  testHooks: boolean;
};

/** The first non-internal IPv4 address, so phones on the same LAN can reach the media port; else loopback. */
export function defaultAnnouncedAddress(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = v.safeParse(envSchema, env);
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => `${issue.path?.[0]?.key ?? '?'}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.output;
  const listenIsLoopback = e.RTC_LISTEN_IP.startsWith('127.');
  return {
    port: e.PORT,
    host: e.HOST,
    workers: e.MEDIASOUP_WORKERS || os.availableParallelism(),
    rtcPort: e.RTC_PORT,
    rtcListenIp: e.RTC_LISTEN_IP,
    rtcAnnouncedAddress: e.RTC_ANNOUNCED_ADDRESS ?? (listenIsLoopback ? e.RTC_LISTEN_IP : defaultAnnouncedAddress()),
    peerGraceMs: e.PEER_GRACE_MS,
    maxPeersPerRoom: e.MAX_PEERS_PER_ROOM,
    workerBin: e.MEDIASOUP_WORKER_BIN,
    mediasoupLogLevel: e.MEDIASOUP_LOG_LEVEL,
    staticDir: e.STATIC_DIR,
    testHooks: e.HUDDLE_TEST_HOOKS === '1',
  };
}
