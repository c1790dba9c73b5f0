import type { Redis } from 'ioredis';
import { keys } from './keys.ts';
import type { ServerRegistry } from './registry.ts';

export type RoomHost = { serverId: string; address: string; peers: number };

/**
 * Which servers host which room, with how many people each has in it. A load balancer routing by room keeps a room
 * on one server; this says where else it runs (media pipes between servers start from here). Kept in Redis per
 * room (a hash server → peers) and per server (a set of rooms, to clean up after a server that died).
 */
export class RoomDirectory {
  readonly #redis: Redis;
  readonly #registry: ServerRegistry;

  constructor(redis: Redis, registry: ServerRegistry) {
    this.#redis = redis;
    this.#registry = registry;
    registry.onServerGone((serverId) => this.#forgetServer(serverId));
  }

  /** This server hosts the room with `peers` people (also to update the count). */
  async hosting(roomId: string, peers: number): Promise<void> {
    await this.#redis
      .multi()
      .hset(keys.roomServers(roomId), this.#registry.serverId, peers)
      .sadd(keys.serverRooms(this.#registry.serverId), roomId)
      .exec();
  }

  /** This server no longer hosts the room. */
  async left(roomId: string): Promise<void> {
    await this.#redis
      .multi()
      .hdel(keys.roomServers(roomId), this.#registry.serverId)
      .srem(keys.serverRooms(this.#registry.serverId), roomId)
      .exec();
  }

  /** The live servers hosting the room, this one included when it does, busiest first. */
  async hostsOf(roomId: string): Promise<RoomHost[]> {
    const [counts, live] = await Promise.all([this.#redis.hgetall(keys.roomServers(roomId)), this.#registry.live()]);
    return live
      .flatMap(({ serverId, address }) => (counts[serverId] === undefined ? [] : [{ serverId, address, peers: Number(counts[serverId]) }]))
      .sort((a, b) => b.peers - a.peers);
  }

  async #forgetServer(serverId: string): Promise<void> {
    const rooms = await this.#redis.smembers(keys.serverRooms(serverId));
    const removal = this.#redis.multi();
    for (const roomId of rooms) removal.hdel(keys.roomServers(roomId), serverId);
    await removal.del(keys.serverRooms(serverId)).exec();
  }
}
