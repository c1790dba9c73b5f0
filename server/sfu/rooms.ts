import type { Meeting } from '../access/invites.ts';
import { FileStats } from '../files/stats.ts';
import { createLogger } from '../log.ts';
import { DataChannelStats } from './dataChannels.ts';
import { Room, type RoomEvents, type RoomSettings } from './room.ts';
import { PipeStats } from './roomRouters.ts';
import type { WorkerPool, WorkerSlot } from './workerPool.ts';

const log = createLogger('rooms');

const NO_EVENTS: RoomEvents = { opened() {}, closed() {}, dataMessage() {}, feedDrained() {} };

/**
 * How long a room lost with its worker lends its meeting (instance id, password) to a room made under its name, for
 * the people reconnecting into it. They are back within seconds; a new meeting under that name is rare this soon.
 */
export const SUCCESSOR_WINDOW_MS = 120_000;

/** Rooms by name, created on first join and forgotten when their last peer leaves. */
export class RoomRegistry {
  readonly #pool: WorkerPool;
  // Promises, so two peers joining a new room at once share one router.
  readonly #rooms = new Map<string, Promise<Room>>();
  /** Rooms closed because their worker died, by name: the room made next under that name inherits their access. */
  readonly #lost = new Map<string, Room>();
  readonly #settings: RoomSettings;

  /** `events`: what the chat service hears (rooms opening and closing, data-channel frames). */
  constructor(pool: WorkerPool, options: { events?: RoomEvents; sctpSendBufferSize: number }) {
    this.#pool = pool;
    this.#settings = {
      events: options.events ?? NO_EVENTS,
      dataStats: new DataChannelStats(),
      fileStats: new FileStats(),
      pipeStats: new PipeStats(),
      sctpSendBufferSize: options.sctpSendBufferSize,
    };
    pool.onWorkerDied((slot) => void this.#evacuate(slot));
  }

  /** Data-channel totals across every room (for /metrics). */
  get dataStats(): DataChannelStats {
    return this.#settings.dataStats;
  }

  /** Pipes between the routers of rooms that span workers, open now (for /metrics). */
  get pipeStats(): PipeStats {
    return this.#settings.pipeStats;
  }

  /** File-transfer totals across every room (for /metrics; open links are read from each room's FileLinks). */
  get fileStats(): FileStats {
    return this.#settings.fileStats;
  }

  get size(): number {
    return this.#rooms.size;
  }

  async getOrCreate(id: string): Promise<Room> {
    const existing = this.#rooms.get(id);
    if (existing) {
      const room = await existing;
      if (!room.closed) return room;
      // Another join may have replaced the closed room while this one waited.
      const current = this.#rooms.get(id);
      if (current && current !== existing) return this.getOrCreate(id);
    }
    const created: Promise<Room> = this.#create(id, () => {
      if (this.#rooms.get(id) === created) this.#rooms.delete(id);
    });
    this.#rooms.set(id, created);
    created.catch(() => {
      if (this.#rooms.get(id) === created) this.#rooms.delete(id);
    });
    return created;
  }

  async find(id: string): Promise<Room | undefined> {
    const room = await this.#rooms.get(id);
    return room && !room.closed ? room : undefined;
  }

  async all(): Promise<Room[]> {
    const rooms = await Promise.allSettled(this.#rooms.values());
    return rooms.flatMap((result) => (result.status === 'fulfilled' && !result.value.closed ? [result.value] : []));
  }

  async closeAll(): Promise<void> {
    for (const room of await this.all()) room.close();
  }

  /**
   * The meeting a room lost with its worker was, while its people are still finding their way back (invites to it
   * stay good for its successor).
   */
  lostMeeting(id: string): Meeting | undefined {
    return this.#lost.get(id);
  }

  async #create(id: string, onClose: () => void): Promise<Room> {
    // Kept for the whole window, not only for the first room made: that one may close again on a refused join.
    const lost = this.#lost.get(id);
    const room = await Room.create(id, this.#pool, this.#settings, onClose, lost?.instanceId);
    if (lost) room.inheritAccess(lost);
    return room;
  }

  /**
   * A worker died, and the media of every peer on it. A room whose home it was (its chat feed and speaker observer
   * went with it), or whose peers all sat on it, is lost: each of its people gets their socket cut, the app
   * reconnects, its resume fails (the peer is forgotten), and it joins afresh into the same room name, made anew on a
   * running worker as the same meeting (instance id, password), so the people who were inside get back in, invites
   * too. In a room that only had some peers there, only those are cut (they rejoin the same room); the rest keep
   * their call.
   */
  async #evacuate(slot: WorkerSlot): Promise<void> {
    const lost: string[] = [];
    let dropped = 0;
    for (const room of await this.all()) {
      const onDead = room.routers.peersLostWith(slot).length;
      if (room.slot === slot || (onDead > 0 && onDead === room.peers.size)) {
        this.#lost.set(room.id, room);
        setTimeout(() => {
          if (this.#lost.get(room.id) === room) this.#lost.delete(room.id);
        }, SUCCESSOR_WINDOW_MS).unref();
        dropped += room.peers.size;
        lost.push(room.id);
        for (const peer of room.peers.values()) peer.channel?.drop();
        room.close();
      } else if (onDead > 0) {
        dropped += dropPeersOn(room, slot);
      }
    }
    log.warn('peers dropped with their worker; they rejoin by themselves', { worker: slot.index, lostRooms: lost, peers: dropped });
  }
}

/**
 * A worker other than the room's home died: only the peers on it lost their media. Each gets its socket cut (no
 * closing handshake) and is forgotten, so its app reconnects, cannot resume, and rejoins onto a running worker; the
 * others keep their call and are told, as for anyone leaving, that its producers closed and it left.
 */
function dropPeersOn(room: Room, slot: WorkerSlot): number {
  const dropped = room.routers.peersLostWith(slot).flatMap((peerId) => room.peers.get(peerId) ?? []);
  for (const peer of dropped) {
    peer.channel?.drop();
    room.removePeer(peer);
  }
  return dropped.length;
}
