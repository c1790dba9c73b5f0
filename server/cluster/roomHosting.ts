import { createLogger } from '../log.ts';
import type { Room } from '../sfu/room.ts';
import type { RoomDirectory } from './directory.ts';

const log = createLogger('cluster');

/** How often the directory's peer counts are brought up to date. */
export const PEER_COUNT_REFRESH_MS = 2_000;

/**
 * Keeps the room directory in step with the rooms open on this server: an entry when a room opens, its peer count
 * refreshed every PEER_COUNT_REFRESH_MS (and again after Redis comes back), gone when it closes.
 */
export class RoomHosting {
  readonly #directory: RoomDirectory;
  readonly #rooms = new Map<string, Room>();
  readonly #timer: NodeJS.Timeout;

  constructor(directory: RoomDirectory) {
    this.#directory = directory;
    this.#timer = setInterval(() => void this.#refresh(), PEER_COUNT_REFRESH_MS);
    this.#timer.unref();
  }

  opened(room: Room): void {
    this.#rooms.set(room.id, room);
    this.#directory.hosting(room.id, room.peers.size).catch((error: unknown) => log.warn('room directory not updated', { room: room.id, error }));
  }

  closed(room: Room): void {
    // A room recreated under its name (its worker died) may open before the old one's close is heard.
    if (this.#rooms.get(room.id) !== room) return;
    this.#rooms.delete(room.id);
    this.#directory.left(room.id).catch((error: unknown) => log.warn('room directory not updated', { room: room.id, error }));
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #refresh(): Promise<void> {
    try {
      for (const room of this.#rooms.values()) if (!room.closed) await this.#directory.hosting(room.id, room.peers.size);
    } catch {
      // Redis is away; the next refresh writes everything again.
    }
  }
}
