import type { Room } from '../sfu/room.ts';
import type { BusHandler, ClusterBus } from './bus.ts';
import { channels } from './keys.ts';
import type { BusMessage } from './messages.ts';

type Entry<T> = { value: T; handler: BusHandler };

/**
 * What one part of the service keeps for each room open here (`T` knows its room), each listening to its room's bus
 * channel while it is open. A room recreated under its name (its worker died) may open before the old one's close is
 * heard: the newer one replaces it, and messages reach only the value still current.
 */
export class RoomChannels<T extends { readonly room: Room }> {
  readonly #bus: ClusterBus;
  readonly #entries = new Map<string, Entry<T>>();

  constructor(bus: ClusterBus) {
    this.#bus = bus;
  }

  /**
   * Subscribes to `room`'s channel and keeps what `make` builds (given the subscription, which resolves once this
   * server hears the room's channel); `handle` gets each message while it is current. Returns the value it replaced.
   */
  open(room: Room, make: (subscribed: Promise<void>) => T, handle: (message: BusMessage, value: T) => void): T | undefined {
    let entry: Entry<T> | undefined;
    const handler: BusHandler = (message) => {
      if (entry && this.#entries.get(room.id) === entry) handle(message, entry.value);
    };
    const value = make(this.#bus.subscribe(channels.room(room.id), handler));
    entry = { value, handler };
    const previous = this.#entries.get(room.id);
    if (previous) this.#unsubscribe(room.id, previous);
    this.#entries.set(room.id, entry);
    return previous?.value;
  }

  /** Stops listening for `room` (not for a newer room of that name); returns what was kept for it. */
  close(room: Room): T | undefined {
    const entry = this.#entries.get(room.id);
    if (entry?.value.room !== room) return undefined;
    this.#entries.delete(room.id);
    this.#unsubscribe(room.id, entry);
    return entry.value;
  }

  get(roomId: string): T | undefined {
    return this.#entries.get(roomId)?.value;
  }

  values(): T[] {
    return [...this.#entries.values()].map((entry) => entry.value);
  }

  #unsubscribe(roomId: string, entry: Entry<T>): void {
    void this.#bus.unsubscribe(channels.room(roomId), entry.handler).catch(() => {});
  }
}
