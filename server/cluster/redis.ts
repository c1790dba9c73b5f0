import { Redis } from 'ioredis';
import { createLogger } from '../log.ts';

const log = createLogger('redis');

/**
 * How long a command waits for Redis. While Redis is away, commands fail after this instead of piling up: a chat
 * message then stays unacknowledged (its sender sends it again), and nothing that does not need Redis waits on it.
 */
export const COMMAND_TIMEOUT_MS = 2_000;

/**
 * A connection to REDIS_URL that reconnects by itself (ioredis: every 50 ms more, at most 2 s apart) and logs
 * once when it goes away and once when it is back, not on every attempt. `role` names it in the log.
 */
export function connectRedis(url: string, role: string): Redis {
  const redis = new Redis(url, {
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Commands issued while reconnecting fail at once rather than waiting for a connection that may not come.
    maxRetriesPerRequest: 0,
    enableOfflineQueue: role === 'subscriber',
    retryStrategy: (attempt) => Math.min(attempt * 50, 2_000),
    lazyConnect: true,
  });
  let down = false;
  let everReady = false;
  redis.on('error', (error: Error) => {
    // Before the first connection the server is starting, and says itself (one sentence) if Redis never comes.
    if (down || !everReady) return;
    down = true;
    log.error('Redis unreachable; retrying', { role, error });
  });
  redis.on('ready', () => {
    if (down) log.info('Redis reachable again', { role });
    down = false;
    everReady = true;
  });
  return redis;
}
