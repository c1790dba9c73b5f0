import type { Notification } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { Room } from '../sfu/room.ts';
import type { ClusterBus } from './bus.ts';
import type { RoomDirectory } from './directory.ts';
import { channels } from './keys.ts';
import type { BusMessage } from './messages.ts';
import { forgetVanished } from './presenceRepair.ts';
import type { ServerRegistry } from './registry.ts';
import { RoomChannels } from './roomChannels.ts';
import type { RoomListener } from './roomListeners.ts';
import type { LinkOptions } from './serverLink.ts';
import { SharedRoom } from './sharedRoom.ts';

const log = createLogger('cluster');

/**
 * People of one room on different servers see and hear each other: each room open here is a SharedRoom (presence
 * on the room's bus channel, a media link per other server hosting it). This routes what the bus brings to the
 * right one, and tells them when a server leaves the service.
 *
 * @example
 * const federation = new RoomFederation(cluster.bus, cluster.registry, { listenIp, announcedAddress, enableSrtp: true });
 * await federation.start();
 * roomListeners.push(federation);
 */
export class RoomFederation implements RoomListener {
  readonly #bus: ClusterBus;
  readonly #registry: ServerRegistry;
  readonly #options: LinkOptions;
  readonly #directory: RoomDirectory | undefined;
  /** Rooms open here, by name, each hearing its room's channel. */
  readonly #rooms: RoomChannels<SharedRoom>;

  /** `directory`: which servers host each room, to forget those that stopped while this one could not hear. */
  constructor(bus: ClusterBus, registry: ServerRegistry, options: LinkOptions, directory?: RoomDirectory) {
    this.#bus = bus;
    this.#registry = registry;
    this.#options = options;
    this.#rooms = new RoomChannels(bus);
    this.#directory = directory;
  }

  /** Listens to this server's own channel (links and media) and to servers leaving. */
  async start(): Promise<void> {
    await this.#bus.subscribe(channels.server(this.#bus.serverId), (message) => this.#route(message));
    this.#registry.onServerDown((serverId) => {
      for (const shared of this.#rooms.values()) shared.serverGone(serverId);
    });
    // Cut off from Redis for less than the reap time: nobody took us for dead, but messages either way may be lost.
    this.#bus.onReconnected(() => {
      for (const shared of this.#rooms.values()) {
        shared.resync();
        if (!this.#directory) continue;
        forgetVanished(shared, this.#directory, this.#bus.serverId).catch((error: unknown) => log.warn('room directory not read; servers gone meanwhile stay', { room: shared.room.id, error }));
      }
    });
    // Taken for dead while cut off from Redis: the others dropped our people and links; say who is here again.
    this.#registry.onRejoined(() => {
      for (const shared of this.#rooms.values()) shared.announce();
    });
  }

  /** The room of that name as open here now (tests, metrics). */
  shared(roomId: string): SharedRoom | undefined {
    return this.#rooms.get(roomId);
  }

  opened(room: Room): void {
    // Whatever the others say after this is heard: the room asks them who is there only then (with its first person).
    const make = (subscribed: Promise<void>) => {
      subscribed.catch((error: unknown) => log.error('cannot hear the other servers about this room until Redis is back', { room: room.id, error }));
      return new SharedRoom(room, this.#bus, this.#options, subscribed);
    };
    this.#rooms.open(room, make, (message) => this.#route(message))?.close();
  }

  closed(room: Room): void {
    this.#rooms.close(room)?.close();
  }

  announced(room: Room, notification: Notification): void {
    const shared = this.#rooms.get(room.id);
    if (shared?.room === room) shared.announced(notification);
  }

  #route(message: BusMessage): void {
    if (!('room' in message) || message.kind === 'chatMessage') return;
    this.#rooms.get(message.room)?.receive(message);
  }
}
