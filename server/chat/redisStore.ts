import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { chatMessageSchema, type ChatMessage } from '../../shared/protocol/index.ts';
import { keys } from '../cluster/keys.ts';
import { createLogger } from '../log.ts';
import type { AppendResult, ChatHistoryStore, NewChatMessage } from './historyStore.ts';

const log = createLogger('chat');

/**
 * Numbers and stores in one step (a script runs alone in Redis): two servers appending to one room at once get
 * consecutive numbers, and a resend (same id, perhaps through another server) gets its first copy back.
 */
const APPEND = `
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then
  local found = redis.call('ZRANGEBYSCORE', KEYS[2], existing, existing)
  if found[1] then return {1, found[1]} end
end
local seq = redis.call('INCR', KEYS[1])
local member = '{"seq":' .. seq .. ',' .. ARGV[2]
redis.call('ZADD', KEYS[2], seq, member)
redis.call('HSET', KEYS[3], ARGV[1], seq)
return {0, member}`;

/** `server` no longer has the room open; when no server has, its retention clock starts. */
const EMPTIED = `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[2])
if redis.call('SCARD', KEYS[1]) == 0 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2]) end
return 0`;

/** Deletes an expired history's messages, unless someone came back to its room in between. */
const EXPIRE = `
redis.call('ZREM', KEYS[4], ARGV[1])
if redis.call('SCARD', KEYS[1]) > 0 then return 0 end
local count = redis.call('ZCARD', KEYS[2])
redis.call('DEL', KEYS[2], KEYS[3])
return count`;

/**
 * Chat history in Redis, shared by every server of a service (docs/scaling.md lists the keys). Per history: a
 * counter (the last seq, never deleted, so numbers are not reused), a sorted set of messages by seq, a hash of ids
 * for deduplication, and the set of servers that have its room open. Retention is the SQLite store's: a history
 * goes once its room has been empty on every server for the retention time.
 */
export class RedisChatStore implements ChatHistoryStore {
  readonly #redis: Redis;
  readonly #serverId: string;
  readonly #now: () => number;
  /** The newest seq seen per history: what a join is told while Redis cannot be asked. */
  readonly #seen = new Map<string, number>();

  constructor(redis: Redis, serverId: string, now: () => number = Date.now) {
    this.#redis = redis;
    this.#serverId = serverId;
    this.#now = now;
  }

  async append(key: string, message: NewChatMessage): Promise<AppendResult> {
    const { id, peerId, name, text } = message;
    // The script prepends `{"seq":N,` to the rest of the object.
    const rest = JSON.stringify({ id, peerId, name, text, at: this.#now() }).slice(1);
    const [duplicate, json] = (await this.#redis.eval(APPEND, 3, keys.chatSeq(key), keys.chatMessages(key), keys.chatIds(key), id, rest)) as [
      number,
      string,
    ];
    const stored = parseMessage(json);
    this.#saw(key, stored.seq);
    return { message: stored, duplicate: duplicate === 1 };
  }

  async find(key: string, id: string): Promise<ChatMessage | undefined> {
    const seq = await this.#redis.hget(keys.chatIds(key), id);
    if (seq === null) return undefined;
    const [json] = await this.#redis.zrangebyscore(keys.chatMessages(key), seq, seq);
    return json === undefined ? undefined : parseMessage(json);
  }

  async history(key: string, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const found = await this.#redis.zrangebyscore(keys.chatMessages(key), `(${afterSeq}`, '+inf', 'LIMIT', 0, limit);
    return found.flatMap((json) => {
      try {
        return [parseMessage(json)];
      } catch (error) {
        // One unreadable entry (written by something else) costs that message, not the room's history.
        log.error('unreadable chat message in Redis skipped', { history: key, error });
        return [];
      }
    });
  }

  async lastSeq(key: string): Promise<number> {
    try {
      const seq = Number((await this.#redis.get(keys.chatSeq(key))) ?? 0);
      this.#saw(key, seq);
      return seq;
    } catch (error) {
      // A join must not wait on Redis; what this server saw last is as good as a client needs (it only fetches less).
      log.warn('last chat seq unknown while Redis is away; told the newest seen here', { history: key, error });
      return this.#seen.get(key) ?? 0;
    }
  }

  async roomOccupied(key: string): Promise<void> {
    await this.#redis
      .multi()
      .sadd(keys.chatOccupants(key), this.#serverId)
      .zrem(keys.chatEmptied, key)
      .sadd(keys.serverHistories(this.#serverId), key)
      .exec();
  }

  async roomEmptied(key: string): Promise<void> {
    this.#seen.delete(key);
    await this.#emptiedBy(this.#serverId, key);
  }

  async sweep(retentionMs: number): Promise<number> {
    const expired = await this.#redis.zrangebyscore(keys.chatEmptied, '-inf', this.#now() - retentionMs);
    let deleted = 0;
    for (const key of expired) {
      const history = [keys.chatOccupants(key), keys.chatMessages(key), keys.chatIds(key), keys.chatEmptied];
      deleted += (await this.#redis.eval(EXPIRE, history.length, ...history, key)) as number;
    }
    return deleted;
  }

  /** A server died (or this one restarted under its SERVER_ID): the rooms it had open are empty there now. */
  async forgetServer(serverId: string): Promise<void> {
    for (const key of await this.#redis.smembers(keys.serverHistories(serverId))) await this.#emptiedBy(serverId, key);
    await this.#redis.del(keys.serverHistories(serverId));
  }

  close(): void {
    // The connection belongs to the cluster, which closes it.
  }

  async #emptiedBy(serverId: string, key: string): Promise<void> {
    const touched = [keys.chatOccupants(key), keys.chatEmptied, keys.serverHistories(serverId)];
    await this.#redis.eval(EMPTIED, touched.length, ...touched, serverId, key, this.#now());
  }

  #saw(key: string, seq: number): void {
    if (seq > (this.#seen.get(key) ?? 0)) this.#seen.set(key, seq);
  }
}

/** What Redis holds was written by a server of this service, but maybe an older one: checked like any input. */
function parseMessage(json: string): ChatMessage {
  return v.parse(chatMessageSchema, JSON.parse(json));
}
