import { Room } from './room.ts';
import type { WorkerPool } from './workerPool.ts';

/** Rooms by name, created on first join and forgotten when their last peer leaves. */
export class RoomRegistry {
  readonly #pool: WorkerPool;
  // Promises, so two peers joining a new room at once share one router.
  readonly #rooms = new Map<string, Promise<Room>>();

  constructor(pool: WorkerPool) {
    this.#pool = pool;
  }

  get size(): number {
    return this.#rooms.size;
  }

  async getOrCreate(id: string): Promise<Room> {
    const existing = this.#rooms.get(id);
    if (existing) {
      const room = await existing;
      if (!room.closed) return room;
    }
    const slot = this.#pool.acquire();
    const created = Room.create(id, slot, () => {
      this.#pool.release(slot);
      if (this.#rooms.get(id) === created) this.#rooms.delete(id);
    });
    this.#rooms.set(id, created);
    created.catch(() => {
      this.#pool.release(slot);
      this.#rooms.delete(id);
    });
    return created;
  }

  async find(id: string): Promise<Room | undefined> {
    const room = await this.#rooms.get(id);
    return room && !room.closed ? room : undefined;
  }

  async all(): Promise<Room[]> {
    const rooms = await Promise.all(this.#rooms.values());
    return rooms.filter((room) => !room.closed);
  }

  async closeAll(): Promise<void> {
    for (const room of await this.all()) room.close();
  }
}
