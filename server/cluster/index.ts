import type { Redis } from 'ioredis';
import { RedisChatStore } from '../chat/redisStore.ts';
import type { ClusterConfig } from '../config.ts';
import { ConfigError } from '../config.ts';
import { createLogger } from '../log.ts';
import { ClusterBus } from './bus.ts';
import { RoomDirectory } from './directory.ts';
import { keys } from './keys.ts';
import { MeetingStore } from './meetingStore.ts';
import { connectRedis } from './redis.ts';
import { ServerRegistry } from './registry.ts';
import { RedisFailures } from './sharedFailures.ts';

const log = createLogger('cluster');

/** How long a starting server waits for Redis before it gives up with one sentence. */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * This server's membership in a service of several (REDIS_URL): the message bus, the registry of live servers, the
 * room directory and the shared chat history, over two Redis connections (commands, and subscriptions).
 *
 * @example
 * const cluster = await Cluster.connect(config.cluster);
 * await cluster.start();
 */
export class Cluster {
  readonly bus: ClusterBus;
  readonly registry: ServerRegistry;
  readonly directory: RoomDirectory;
  readonly chatStore: RedisChatStore;
  /** Rooms' meetings (instance id, password hash) shared by every server. */
  readonly meetings: MeetingStore;
  /** Wrong room passwords counted by every server. */
  readonly failures: RedisFailures;
  readonly #commands: Redis;
  readonly #subscriber: Redis;

  private constructor(config: ClusterConfig, commands: Redis, subscriber: Redis) {
    this.#commands = commands;
    this.#subscriber = subscriber;
    this.bus = new ClusterBus(config.serverId, commands, subscriber);
    this.registry = new ServerRegistry(commands, this.bus, config.address);
    this.directory = new RoomDirectory(commands, this.registry);
    this.chatStore = new RedisChatStore(commands, config.serverId);
    this.meetings = new MeetingStore(commands, config.serverId);
    this.failures = new RedisFailures(commands);
    this.registry.onServerGone((serverId) => this.chatStore.forgetServer(serverId));
  }

  /** Connects to Redis; a ConfigError naming REDIS_URL when it cannot be reached at start. */
  static async connect(config: ClusterConfig): Promise<Cluster> {
    const commands = connectRedis(config.redisUrl, 'commands');
    const subscriber = connectRedis(config.redisUrl, 'subscriber');
    try {
      await Promise.all([reachable(commands), reachable(subscriber)]);
    } catch (error) {
      commands.disconnect();
      subscriber.disconnect();
      const host = new URL(config.redisUrl).host;
      throw new ConfigError([`REDIS_URL: Redis at ${host} cannot be reached (${(error as Error).message}); start it or fix the address.`]);
    }
    return new Cluster(config, commands, subscriber);
  }

  /** The connection for commands (not subscriptions), for what keeps its own keys (file transfer locations). */
  get commands(): Redis {
    return this.#commands;
  }

  get serverId(): string {
    return this.registry.serverId;
  }

  /**
   * The secret every server of the service signs invites with when INVITE_SECRET is not set: the first server's
   * random `proposal`, kept in Redis, so an invite made on one server works on all of them (and after a restart).
   */
  async agreeOnInviteSecret(proposal: string): Promise<string> {
    await this.#commands.set(keys.inviteSecret, proposal, 'NX');
    return (await this.#commands.get(keys.inviteSecret)) ?? proposal;
  }

  /** Joins the service: heartbeats start, other servers hear of this one. */
  async start(): Promise<void> {
    await this.registry.start();
  }

  /** Leaves the service on purpose (its rooms are taken out of the directory at once) and disconnects. */
  async stop(): Promise<void> {
    try {
      await this.registry.stop();
    } catch (error) {
      log.warn('could not say goodbye to the service; the others notice within seconds', { error });
    }
    this.#subscriber.disconnect();
    await this.#commands.quit().catch(() => this.#commands.disconnect());
  }
}

/** Resolves once the connection is ready; rejects after CONNECT_TIMEOUT_MS (ioredis keeps retrying meanwhile). */
function reachable(redis: Redis): Promise<void> {
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => (lastError = error);
    const timer = setTimeout(() => {
      redis.off('error', onError);
      reject(lastError ?? new Error('timed out'));
    }, CONNECT_TIMEOUT_MS);
    redis.on('error', onError);
    redis.connect().then(
      () => {
        clearTimeout(timer);
        redis.off('error', onError);
        resolve();
      },
      (error: Error) => (lastError = error),
    );
    redis.once('ready', () => {
      clearTimeout(timer);
      redis.off('error', onError);
      resolve();
    });
  });
}
