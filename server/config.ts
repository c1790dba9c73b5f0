import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as v from 'valibot';

/*
 * Every environment variable the server reads, parsed and validated once. The README's configuration table is
 * written from this file: keep them in step.
 */

/** One message per variable, however many ways its value is wrong (`PORT=abc` is one mistake, not three). */
const intFrom = (fallback: number, min: number, max: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.check(
      (value) => /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max,
      `must be a whole number from ${min} to ${max}`,
    ),
    v.transform(Number),
  );

const oneOf = <const T extends readonly [string, ...string[]]>(options: T, fallback: T[number]) => {
  const quoted = options.map((option) => `"${option}"`);
  const choices = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted.join('');
  return v.optional(v.picklist(options, `must be ${choices}`), fallback);
};

/** Never echoed back in error messages. */
const SECRETS = new Set(['INVITE_SECRET', 'TURN_SECRET', 'REDIS_URL']);

const envSchema = v.object({
  PORT: intFrom(3000, 0, 65535),
  HOST: v.optional(v.string(), '0.0.0.0'),
  /** HTTPS beside HTTP, so phones (which only allow cameras on secure pages) can join from the LAN. */
  HTTPS: oneOf(['on', 'off'], 'on'),
  HTTPS_PORT: intFrom(3443, 0, 65535),
  /** The address people open (e.g. https://meet.example.org behind a proxy); the LAN https URL when unset. */
  PUBLIC_URL: v.optional(v.pipe(v.string(), v.url('must be a URL like https://meet.example.org'))),
  /** Your own certificate (PEM). Without them a self-signed one is made once and kept in TLS_DIR. */
  TLS_CERT_FILE: v.optional(v.string()),
  TLS_KEY_FILE: v.optional(v.string()),
  TLS_DIR: v.optional(v.string()),
  /** Worker processes; 0 means one per CPU core. */
  MEDIASOUP_WORKERS: intFrom(0, 0, 64),
  /** First UDP/TCP port for media; worker i listens on RTC_PORT + i. 0 picks free ports (tests). */
  RTC_PORT: intFrom(40000, 0, 65535),
  RTC_LISTEN_IP: v.optional(v.string(), '0.0.0.0'),
  /** Address put into ICE candidates; defaults to this host's first LAN IPv4 address. */
  RTC_ANNOUNCED_ADDRESS: v.optional(v.string()),
  PEER_GRACE_MS: intFrom(30_000, 0, 600_000),
  /** Joins allowed per client address per minute (reconnects count): a whole class behind one NAT must fit. */
  JOIN_RATE_PER_MINUTE: intFrom(60, 1, 100_000),
  /** Signaling messages per connection per second (bursts of 5× are allowed). */
  MESSAGE_RATE_PER_SECOND: intFrom(50, 1, 100_000),
  /** Signs invite links; random per start when unset (invites then end with a restart, as rooms do). */
  INVITE_SECRET: v.optional(v.pipe(v.string(), v.minLength(16, 'must have at least 16 characters'))),
  INVITE_TTL_S: intFrom(24 * 3600, 60, 30 * 24 * 3600),
  /** Reverse proxies of your own in front: the client address is the X-Forwarded-For entry the outermost saw. */
  TRUST_PROXY: intFrom(0, 0, 10),
  MAX_PEERS_PER_ROOM: intFrom(50, 1, 1000),
  MEDIASOUP_WORKER_BIN: v.optional(v.string()),
  MEDIASOUP_LOG_LEVEL: oneOf(['debug', 'warn', 'error', 'none'], 'warn'),
  /** Read by server/log.ts itself; checked here so a typo is reported rather than ignored. */
  LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error', 'silent'], 'info'),
  /** Serves the built client from here. */
  STATIC_DIR: v.optional(v.string(), 'dist'),
  /** STUN servers handed to clients, comma-separated (e.g. stun:stun.example.org:3478). Empty: none (one LAN). */
  STUN_URLS: v.optional(v.string(), ''),
  /** TURN servers, comma-separated (turn:host:3478?transport=udp, turn:host:3478?transport=tcp, turns:host:443?transport=tcp). */
  TURN_URLS: v.optional(v.string(), ''),
  /** coturn's static-auth-secret: clients get time-limited credentials in coturn's REST-API scheme. */
  TURN_SECRET: v.optional(v.string()),
  /**
   * Lifetime of each participant's TURN credentials. They only need to outlive the opening of a relay (coturn
   * keeps an open relay past the expiry) and are renewed on every reconnect, so a leaked one soon stops working.
   */
  TURN_CREDENTIAL_TTL_S: intFrom(3600, 60, 7 * 24 * 3600),
  /** `relay` makes browsers use TURN only (for testing TURN). */
  ICE_TRANSPORT_POLICY: oneOf(['all', 'relay'], 'all'),
  /** Where the chat history lives (chat.sqlite); `${XDG_DATA_HOME:-~/.local/share}/huddle` when unset. */
  DATA_DIR: v.optional(v.string()),
  /** How long a room's chat history is kept after its last person left. */
  CHAT_RETENTION_HOURS: intFrom(24, 0, 24 * 365),
  /**
   * mediasoup's SCTP send buffer toward each peer, in bytes. When it fills, mediasoup drops messages even on
   * reliable channels; the app repairs that (acks, gap fetch), a bigger buffer makes it rarer.
   */
  SCTP_SEND_BUFFER_SIZE: intFrom(4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
  /**
   * Several servers with the same REDIS_URL form one service (shared room directory, chat history, message bus);
   * unset, this server runs alone and needs no Redis.
   */
  REDIS_URL: v.optional(
    v.pipe(
      v.string(),
      v.check((value) => /^rediss?:\/\/[^\s/]+(\/\d*)?$/.test(value), 'must be a URL like redis://host:6379 or rediss://user:password@host:6380/0'),
    ),
  ),
  /** This server's name in the service (logs, the room directory); unique per process. */
  SERVER_ID: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores'))),
  /** Where the other servers reach this one for media between servers; RTC_ANNOUNCED_ADDRESS when unset. */
  CLUSTER_ADDRESS: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.:-]{1,253}$/, 'must be an IP address or host name'))),
  /** Enables /__test/* endpoints that end-to-end tests use to cut connections. Never in production. */
  HUDDLE_TEST_HOOKS: oneOf(['0', '1'], '0'),
});

export type Config = {
  port: number;
  host: string;
  publicUrl: string | undefined;
  https: { port: number; certFile: string | undefined; keyFile: string | undefined; dir: string } | undefined;
  workers: number;
  rtcPort: number;
  rtcListenIp: string;
  rtcAnnouncedAddress: string;
  peerGraceMs: number;
  joinRatePerMinute: number;
  messageRatePerSecond: number;
  /** Reverse proxies of our own in front of the server (TRUST_PROXY); 0: ignore X-Forwarded-For. */
  trustedProxies: number;
  inviteSecret: string;
  /** INVITE_SECRET was not set: `inviteSecret` is random (in a service of several, the servers agree on one). */
  inviteSecretRandom: boolean;
  inviteTtlS: number;
  maxPeersPerRoom: number;
  workerBin: string | undefined;
  mediasoupLogLevel: 'debug' | 'warn' | 'error' | 'none';
  staticDir: string;
  testHooks: boolean;
  ice: IceConfig;
  /** Created at start by `prepareDataDir`. */
  dataDir: string;
  chatRetentionMs: number;
  sctpSendBufferSize: number;
  /** Set with REDIS_URL: this process is one server of a service (server/cluster/). */
  cluster: ClusterConfig | undefined;
};

export type ClusterConfig = {
  redisUrl: string;
  /** Unique per process: SERVER_ID, else host name, process id and a random suffix. */
  serverId: string;
  /** The address other servers reach this one at (media pipes between servers). */
  address: string;
};

export type IceConfig = {
  stunUrls: string[];
  turnUrls: string[];
  turnSecret: string | undefined;
  turnCredentialTtlS: number;
  transportPolicy: 'all' | 'relay';
};

function urlList(value: string): string[] {
  return value
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
}

/** The first non-internal IPv4 address, so phones on the same LAN can reach the media port; else loopback. */
export function defaultAnnouncedAddress(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

/** Bad settings, one sentence each, so the operator can fix them all in one go. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describeIssue(issue: v.BaseIssue<unknown>, env: Record<string, string | undefined>): string {
  const key = String(issue.path?.[0]?.key ?? 'A setting');
  const value = env[key];
  if (value === undefined || SECRETS.has(key)) return `${key} ${issue.message}.`;
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return `${key} ${issue.message}, not "${shown}".`;
}

/** Problems that involve more than one variable, or lists; read from the raw values so they show beside the rest. */
function crossCheck(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const stunUrls = urlList(env.STUN_URLS ?? '');
  const turnUrls = urlList(env.TURN_URLS ?? '');
  for (const [name, urls] of [['STUN_URLS', stunUrls], ['TURN_URLS', turnUrls]] as const) {
    const bad = urls.find((url) => !/^(stuns?|turns?):/.test(url));
    if (bad) problems.push(`${name} has "${bad}", which is not a stun:, turn: or turns: URL.`);
  }
  if (turnUrls.length > 0 && !env.TURN_SECRET) {
    problems.push("TURN_URLS needs TURN_SECRET (coturn's static-auth-secret).");
  }
  if (env.ICE_TRANSPORT_POLICY === 'relay' && turnUrls.length === 0) {
    problems.push('ICE_TRANSPORT_POLICY=relay needs TURN_URLS.');
  }
  if (!!env.TLS_CERT_FILE !== !!env.TLS_KEY_FILE) problems.push('Set both TLS_CERT_FILE and TLS_KEY_FILE, or neither.');
  return problems;
}

/** Reads every setting; throws a ConfigError listing every problem at once. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set" (compose files and shells produce them for unset optional values).
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== ''));
  const parsed = v.safeParse(envSchema, env);
  const problems = parsed.success ? [] : parsed.issues.map((issue) => describeIssue(issue, env));
  problems.push(...crossCheck(env));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.output;
  const listenIsLoopback = e.RTC_LISTEN_IP.startsWith('127.');
  const configHome = env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config');
  const dataHome = env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  const rtcAnnouncedAddress = e.RTC_ANNOUNCED_ADDRESS ?? (listenIsLoopback ? e.RTC_LISTEN_IP : defaultAnnouncedAddress());
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    https:
      e.HTTPS === 'on'
        ? {
            port: e.HTTPS_PORT,
            certFile: e.TLS_CERT_FILE,
            keyFile: e.TLS_KEY_FILE,
            dir: e.TLS_DIR ?? path.join(configHome, 'huddle', 'tls'),
          }
        : undefined,
    workers: e.MEDIASOUP_WORKERS || os.availableParallelism(),
    rtcPort: e.RTC_PORT,
    rtcListenIp: e.RTC_LISTEN_IP,
    rtcAnnouncedAddress,
    peerGraceMs: e.PEER_GRACE_MS,
    joinRatePerMinute: e.JOIN_RATE_PER_MINUTE,
    messageRatePerSecond: e.MESSAGE_RATE_PER_SECOND,
    trustedProxies: e.TRUST_PROXY,
    inviteSecret: e.INVITE_SECRET ?? randomBytes(32).toString('base64url'),
    inviteSecretRandom: e.INVITE_SECRET === undefined,
    inviteTtlS: e.INVITE_TTL_S,
    maxPeersPerRoom: e.MAX_PEERS_PER_ROOM,
    workerBin: e.MEDIASOUP_WORKER_BIN,
    mediasoupLogLevel: e.MEDIASOUP_LOG_LEVEL,
    staticDir: e.STATIC_DIR,
    testHooks: e.HUDDLE_TEST_HOOKS === '1',
    ice: {
      stunUrls: urlList(e.STUN_URLS),
      turnUrls: urlList(e.TURN_URLS),
      turnSecret: e.TURN_SECRET,
      turnCredentialTtlS: e.TURN_CREDENTIAL_TTL_S,
      transportPolicy: e.ICE_TRANSPORT_POLICY,
    },
    dataDir: path.resolve(e.DATA_DIR ?? path.join(dataHome, 'huddle')),
    chatRetentionMs: e.CHAT_RETENTION_HOURS * 3600 * 1000,
    sctpSendBufferSize: e.SCTP_SEND_BUFFER_SIZE,
    cluster: e.REDIS_URL
      ? {
          redisUrl: e.REDIS_URL,
          // A restarted process is a new server: what the old one held is cleaned up as a dead server's.
          serverId: e.SERVER_ID ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
          address: e.CLUSTER_ADDRESS ?? rtcAnnouncedAddress,
        }
      : undefined,
  };
}

/**
 * Creates DATA_DIR if it is missing and checks the server can write there; a ConfigError with one sentence if not.
 * Kept apart from `loadConfig`, which touches no files.
 */
export function prepareDataDir(dir: string): void {
  try {
    makeDirectories(dir);
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const hints: Record<string, string> = {
      EACCES: 'this user may not write there',
      EPERM: 'this user may not write there',
      EROFS: 'it is on a read-only file system',
      ENOTDIR: 'a file is in the way',
      EEXIST: 'a file is in the way',
    };
    const hint = hints[code] ?? `the system says ${code}`;
    throw new ConfigError([`DATA_DIR "${dir}" cannot be used for the chat history: ${hint}. Set DATA_DIR to a writable directory.`]);
  }
}

/**
 * `mkdir -p`, one level at a time from the deepest existing parent: Node's recursive mkdirSync spins forever on
 * some pseudo file systems (e.g. under /proc) instead of failing.
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let current = path.resolve(dir); !existsSync(current); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const level of missing) mkdirSync(level);
}
