import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { sha256HexSchema } from '../../shared/protocol/index.ts';
import { IDLE_EXPIRY_MS } from '../files/registry.ts';
import { createLogger } from '../log.ts';
import { keys } from './keys.ts';

const log = createLogger('cluster');

/** A location outlives its transfer's idle expiry a little, so it never points nowhere while the transfer lives. */
export const LOCATION_TTL_MS = IDLE_EXPIRY_MS + 60_000;
/** A held transfer's location has its expiry pushed back at most this often (its activity keeps it alive). */
const REFRESH_MS = 60_000;

/** Where a transfer lives, and whose it is: the key of the sender who offered it there. */
export type TransferLocation = { server: string; sender: string };

const locationSchema = v.object({ server: v.pipe(v.string(), v.minLength(1), v.maxLength(200)), sender: sha256HexSchema });

/**
 * The server holding each file transfer of a shared room, in Redis (`huddle:files:{<room>}:<transferId>`, JSON),
 * expiring when the transfer has been idle for longer than its registry keeps it. Only an offer writes it; activity
 * only pushes its expiry back, so a server that lost a transfer to another never takes it back by being late.
 * Redis away: nothing is found (everything is answered where it is asked) and nothing is written.
 */
export class TransferLocations {
  readonly #redis: Redis;
  /** When this server last pushed a location's expiry back, by key. */
  readonly #refreshed = new Map<string, number>();

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async find(roomId: string, transferId: string): Promise<TransferLocation | undefined> {
    const stored = await this.#redis.get(keys.fileTransfer(roomId, transferId)).catch((error: unknown) => {
      log.debug('file transfer location not read', { room: roomId, transfer: transferId, error });
      return null;
    });
    if (stored === null) return undefined;
    try {
      const parsed = v.safeParse(locationSchema, JSON.parse(stored));
      return parsed.success ? parsed.output : undefined;
    } catch {
      return undefined; // not JSON: not ours
    }
  }

  /** The transfer lives on `server` now, offered there by the sender with this key. */
  claim(roomId: string, transferId: string, location: TransferLocation): void {
    const key = keys.fileTransfer(roomId, transferId);
    this.#refreshed.set(key, Date.now());
    this.#redis.set(key, JSON.stringify(location), 'PX', LOCATION_TTL_MS).catch((error: unknown) => {
      this.#refreshed.delete(key);
      log.debug('file transfer location not written', { room: roomId, transfer: transferId, error });
    });
  }

  /**
   * Something happened to the transfer held here: its location lives on (at most one write a minute per transfer).
   * Written anew only if it is missing (its offer came while Redis was away); one naming another server stays.
   */
  touch(roomId: string, transferId: string, location: TransferLocation): void {
    const key = keys.fileTransfer(roomId, transferId);
    const now = Date.now();
    if (now - (this.#refreshed.get(key) ?? -Infinity) < REFRESH_MS) return;
    if (this.#refreshed.size > 4096) for (const [old, at] of this.#refreshed) if (now - at > REFRESH_MS) this.#refreshed.delete(old);
    this.#refreshed.set(key, now);
    this.#redis
      .set(key, JSON.stringify(location), 'PX', LOCATION_TTL_MS, 'NX')
      .then((written) => (written === null ? this.#redis.pexpire(key, LOCATION_TTL_MS) : undefined))
      .catch(() => this.#refreshed.delete(key));
  }
}
