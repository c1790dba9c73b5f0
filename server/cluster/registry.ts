import type { Redis } from 'ioredis';
import { createLogger } from '../log.ts';
import type { ClusterBus } from './bus.ts';
import { channels, keys } from './keys.ts';

const log = createLogger('cluster');

/** A server heartbeats this often… */
export const HEARTBEAT_MS = 1_000;
/** …and counts as dead when none came for this long: a crashed server leaves the service within 5 s. */
export const SERVER_TTL_MS = 5_000;

/** Redis's own clock, in ms: servers' clocks may disagree, the one Redis is the same for all. */
const REDIS_NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Returns 1 when this server was not registered (its first beat, or it was reaped while cut off from Redis). */
const HEARTBEAT = `${REDIS_NOW}
local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], 'address', ARGV[3], 'startedAt', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return added`;

/** Removes the servers whose heartbeats ran out and returns them: each one to exactly one caller. */
const REAP = `${REDIS_NOW}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(dead) do redis.call('ZREM', KEYS[1], id) end
return dead`;

const LIVE = `${REDIS_NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')`;

export type ServerInfo = { serverId: string; address: string; startedAt: number };

/** Cleans up what a dead server left in Redis (its rooms in the directory, its open chat histories). */
export type ServerCleanup = (serverId: string) => Promise<void>;

/**
 * The servers of the service: each heartbeats into a sorted set scored by when its heartbeat runs out (Redis's
 * clock). Every server reaps expired entries on its own heartbeat; the one whose script removed a dead server
 * cleans up after it and tells the others (`serverDown`). A server that stops says goodbye itself.
 */
export class ServerRegistry {
  readonly #redis: Redis;
  readonly #bus: ClusterBus;
  readonly #info: ServerInfo;
  readonly #cleanups: ServerCleanup[] = [];
  readonly #downListeners: ((serverId: string) => void)[] = [];
  readonly #rejoinListeners: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> = Promise.resolve();

  constructor(redis: Redis, bus: ClusterBus, address: string) {
    this.#redis = redis;
    this.#bus = bus;
    this.#info = { serverId: bus.serverId, address, startedAt: Date.now() };
  }

  get serverId(): string {
    return this.#info.serverId;
  }

  /** Runs for every server found dead (once in the service), and for this server's own leftovers at start. */
  onServerGone(cleanup: ServerCleanup): void {
    this.#cleanups.push(cleanup);
  }

  /**
   * Runs on every server when another one leaves the service (it said goodbye, or whoever reaped it announced it,
   * this server included): what this server had with it (media pipes, next) goes.
   */
  onServerDown(listener: (serverId: string) => void): void {
    this.#downListeners.push(listener);
  }

  /**
   * Runs when this server finds itself reaped: it was cut off from Redis for longer than SERVER_TTL_MS (or Redis
   * lost its data), and another server cleaned up after it. What it still hosts must be written again.
   */
  onRejoined(listener: () => void): void {
    this.#rejoinListeners.push(listener);
  }

  /**
   * Registers this server and starts heartbeating. Whatever an earlier process with the same SERVER_ID left (it
   * crashed) is cleaned up first.
   */
  async start(): Promise<void> {
    await this.#cleanUpAfter(this.serverId);
    await this.#bus.subscribe(channels.service, (message) => {
      if (message.kind === 'serverDown' && message.serverId !== this.serverId) this.#serverDown(message.serverId);
    });
    await this.#heartbeat();
    await this.#bus.publish(channels.service, { kind: 'serverUp', address: this.#info.address });
    log.info('joined the service', { server: this.serverId, address: this.#info.address, servers: (await this.live()).length });
    this.#timer = setInterval(() => {
      // One beat at a time: a slow Redis must not stack them up.
      this.#beating = this.#beating.then(() => this.#beat());
    }, HEARTBEAT_MS);
    this.#timer.unref();
  }

  /** The live servers (this one included), with their addresses. */
  async live(): Promise<ServerInfo[]> {
    const ids = (await this.#redis.eval(LIVE, 1, keys.servers)) as string[];
    const infos = await Promise.all(ids.map(async (serverId) => ({ serverId, info: await this.#redis.hgetall(keys.server(serverId)) })));
    return infos.flatMap(({ serverId, info }) =>
      info.address === undefined ? [] : [{ serverId, address: info.address, startedAt: Number(info.startedAt) }],
    );
  }

  /** Leaves the service on purpose: the others hear at once instead of after the heartbeat timeout. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
    await this.#redis.zrem(keys.servers, this.serverId);
    await this.#redis.del(keys.server(this.serverId));
    await this.#cleanUpAfter(this.serverId);
    await this.#bus.publish(channels.service, { kind: 'serverDown', serverId: this.serverId });
  }

  async #beat(): Promise<void> {
    try {
      if (await this.#heartbeat()) {
        log.warn('this server had been taken for dead (Redis out of reach); joining the service again', { server: this.serverId });
        await this.#bus.publish(channels.service, { kind: 'serverUp', address: this.#info.address });
        for (const listener of this.#rejoinListeners) {
          try {
            listener();
          } catch (error) {
            log.error('a rejoin listener failed', { error });
          }
        }
      }
      const dead = (await this.#redis.eval(REAP, 1, keys.servers)) as string[];
      for (const serverId of dead) {
        log.warn('server stopped heartbeating; cleaning up after it', { server: serverId });
        await this.#cleanUpAfter(serverId);
        await this.#bus.publish(channels.service, { kind: 'serverDown', serverId });
        this.#serverDown(serverId);
      }
    } catch (error) {
      // Redis is away: the next beat tries again (the connection logs its own state).
      log.debug('heartbeat failed', { error });
    }
  }

  #serverDown(serverId: string): void {
    for (const listener of this.#downListeners) {
      try {
        listener(serverId);
      } catch (error) {
        log.error('a serverDown listener failed', { server: serverId, error });
      }
    }
  }

  /** True when this beat registered the server anew. */
  async #heartbeat(): Promise<boolean> {
    const { serverId, address, startedAt } = this.#info;
    return (await this.#redis.eval(HEARTBEAT, 2, keys.servers, keys.server(serverId), serverId, SERVER_TTL_MS, address, startedAt)) === 1;
  }

  async #cleanUpAfter(serverId: string): Promise<void> {
    for (const cleanup of this.#cleanups) {
      try {
        await cleanup(serverId);
      } catch (error) {
        log.error('cleanup after a server failed', { server: serverId, error });
      }
    }
  }
}
