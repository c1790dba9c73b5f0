import type { Redis } from 'ioredis';
import type { PasswordHash } from '../access/password.ts';
import { keys } from './keys.ts';

/**
 * How long a server's hold on a meeting lasts without being renewed. A server that dies stops renewing: a meeting
 * nobody else is in ends this long after, at the latest.
 */
export const MEETING_LEASE_MS = 15_000;

/** The meeting of a room as every server of the service agrees on it. */
export type SharedMeeting = { instanceId: string; password: PasswordHash | undefined };

/** What renewing a hold found: still ours, ours again (it had ended: written back), or another meeting now. */
export type RenewResult = 'held' | 'restored' | 'taken';

/** Redis's own clock, in ms (servers' clocks may disagree). */
const REDIS_NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Holds that ran out are dropped; a meeting nobody holds any more has ended. */
const PRUNE = `${REDIS_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1]) end`;

/** Keeps (or takes) this server's hold; both keys live as long as the newest hold. */
const HOLD = `
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])`;

/**
 * Joins the room's running meeting, or, with a proposal (ARGV[3..5]) and none running, makes it: in one script, so
 * of two servers opening the room at once exactly one makes the meeting and the other joins it. Returns
 * {made, instanceId, salt, hash}, or nil without a proposal when no meeting runs.
 */
const CLAIM = `${PRUNE}
local made = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[3] == '' then return nil end
  redis.call('HSET', KEYS[1], 'instanceId', ARGV[3], 'salt', ARGV[4], 'hash', ARGV[5])
  made = 1
end
${HOLD}
local meeting = redis.call('HMGET', KEYS[1], 'instanceId', 'salt', 'hash')
return {made, meeting[1], meeting[2], meeting[3]}`;

/** Renews the hold on meeting ARGV[3]; writes it back if it had ended; refuses if another one runs now. */
const RENEW = `${PRUNE}
local current = redis.call('HGET', KEYS[1], 'instanceId')
if current and current ~= ARGV[3] then return 'taken' end
local result = 'held'
if not current then
  redis.call('HSET', KEYS[1], 'instanceId', ARGV[3], 'salt', ARGV[4], 'hash', ARGV[5])
  result = 'restored'
end
${HOLD}
return result`;

/** This server leaves meeting ARGV[2]: when it was the last one in it, the meeting ends. Returns 1 then. */
const RELEASE = `
if redis.call('HGET', KEYS[1], 'instanceId') ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
${PRUNE}
return redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0`;

/** The running meeting's instance id, or nil: nothing changes. */
const FIND = `${REDIS_NOW}
if redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') == 0 then return nil end
return redis.call('HGET', KEYS[1], 'instanceId')`;

/**
 * Rooms' meetings in Redis, shared by every server of a service (docs/scaling.md): per room, a hash with the
 * meeting's instance id and its password's salted scrypt hash (empty for an open room), and a sorted set of the
 * servers holding it, scored by when each hold runs out (Redis's clock). A meeting lasts while a server holds it:
 * each server with people in the room renews its hold, and lets go when its last person leaves.
 */
export class MeetingStore {
  readonly #redis: Redis;
  readonly #serverId: string;
  readonly #leaseMs: number;

  constructor(redis: Redis, serverId: string, leaseMs = MEETING_LEASE_MS) {
    this.#redis = redis;
    this.#serverId = serverId;
    this.#leaseMs = leaseMs;
  }

  /** How long a hold lasts unless renewed. */
  get leaseMs(): number {
    return this.#leaseMs;
  }

  /**
   * Holds the room's running meeting and returns it; with `proposal`, makes it when none runs (`made` tells
   * whether this call did). Without one, undefined when none runs.
   */
  async claim(roomId: string, proposal?: SharedMeeting): Promise<(SharedMeeting & { made: boolean }) | undefined> {
    const reply = (await this.#redis.eval(CLAIM, 2, ...this.#keys(roomId), this.#serverId, this.#leaseMs, ...encode(proposal))) as
      | [number, string, string, string]
      | null;
    if (!reply) return undefined;
    const [made, instanceId, salt, hash] = reply;
    return { made: made === 1, instanceId, password: decode(salt, hash) };
  }

  /** Renews this server's hold on `meeting` (see RenewResult). */
  async renew(roomId: string, meeting: SharedMeeting): Promise<RenewResult> {
    return (await this.#redis.eval(RENEW, 2, ...this.#keys(roomId), this.#serverId, this.#leaseMs, ...encode(meeting))) as RenewResult;
  }

  /** This server has nobody left in the meeting; resolves true when that ended it. */
  async release(roomId: string, instanceId: string): Promise<boolean> {
    return (await this.#redis.eval(RELEASE, 2, ...this.#keys(roomId), this.#serverId, instanceId)) === 1;
  }

  /** The instance id of the meeting running under the room's name, if one does. */
  async find(roomId: string): Promise<string | undefined> {
    return ((await this.#redis.eval(FIND, 2, ...this.#keys(roomId))) as string | null) ?? undefined;
  }

  #keys(roomId: string): [string, string] {
    return [keys.roomMeeting(roomId), keys.roomMeetingHolders(roomId)];
  }
}

function encode(meeting: SharedMeeting | undefined): [string, string, string] {
  if (!meeting) return ['', '', ''];
  const { instanceId, password } = meeting;
  return [instanceId, password?.salt.toString('base64') ?? '', password?.hash.toString('base64') ?? ''];
}

function decode(salt: string, hash: string): PasswordHash | undefined {
  return salt && hash ? { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') } : undefined;
}
