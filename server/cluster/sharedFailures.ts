import type { Redis } from 'ioredis';
import type { AttemptPolicy } from '../access/attemptLimiter.ts';
import type { SharedFailures } from '../access/passwordGuard.ts';
import { keys } from './keys.ts';

const REDIS_NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Milliseconds until the key may try again (0: now). */
const WAIT = `${REDIS_NOW}
local until_ = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
return math.max(0, until_ - now)`;

/**
 * One more failure: the same policy as attemptLimiter.ts (ARGV: free failures, base delay, max delay, forget after),
 * counted in one step however many servers record failures at once. Returns the wait it caused.
 */
const FAILED = `${REDIS_NOW}
local free, base, max, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local wait = 0
if failures > free then wait = math.min(max, base * 2 ^ math.min(30, failures - free - 1)) end
redis.call('HSET', KEYS[1], 'until', now + wait)
redis.call('PEXPIRE', KEYS[1], wait + forget)
return wait`;

/**
 * Wrong room passwords counted in Redis, per client address and per meeting, by every server of a service: a
 * guesser whose attempts a load balancer spreads over the servers waits as long as on one server.
 */
export class RedisFailures implements SharedFailures {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async waitMs(kind: 'address' | 'meeting', key: string): Promise<number> {
    return (await this.#redis.eval(WAIT, 1, keys.guesses(kind, key))) as number;
  }

  async failed(kind: 'address' | 'meeting', key: string, policy: AttemptPolicy): Promise<number> {
    const { freeFailures, baseDelayMs, maxDelayMs, forgetAfterMs } = policy;
    return (await this.#redis.eval(FAILED, 1, keys.guesses(kind, key), freeFailures, baseDelayMs, maxDelayMs, forgetAfterMs)) as number;
  }
}
