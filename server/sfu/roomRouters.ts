import type { types } from 'mediasoup';
import { ProtocolError } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import { mediaCodecs } from './codecs.ts';
import type { WorkerPool, WorkerSlot } from './workerPool.ts';

const log = createLogger('routers');

/** A router of a room on one worker. */
export type Placement = { readonly slot: WorkerSlot; readonly router: types.Router };

/** Counted for /metrics: pipes open now, across every room. */
export class PipeStats {
  media = 0;
  data = 0;
}

type OtherRouter = { router: Promise<types.Router>; peers: number };
/** Where a peer sits, and the router entry it counts in (none on the home router, which stays with the room). */
type Seat = Placement & { entry: OtherRouter | undefined };

/**
 * A room's routers, one per worker its peers sit on, joined on demand with pipeToRouter. The home router (the
 * room's chat DirectTransport and its ActiveSpeakerObserver) lives as long as the room; another worker's router is
 * made for the first peer placed there and closed when its last one leaves. Every router has the same mediaCodecs,
 * so the home router's RTP capabilities (what the join reply carries) hold for all of them.
 */
export class RoomRouters {
  readonly home: Placement;
  readonly #roomId: string;
  readonly #pool: WorkerPool;
  readonly #stats: PipeStats;
  readonly #others = new Map<WorkerSlot, OtherRouter>();
  readonly #placements = new Map<string, Seat>();
  /** By `${producer id}>${destination router id}`: one pipe per (producer, router), shared while it is made. */
  readonly #pipes = new Map<string, Promise<void>>();
  #closed = false;

  private constructor(roomId: string, pool: WorkerPool, home: Placement, stats: PipeStats) {
    this.#roomId = roomId;
    this.#pool = pool;
    this.home = home;
    this.#stats = stats;
  }

  /** Makes the home router on the least loaded worker. */
  static async create(roomId: string, pool: WorkerPool, stats: PipeStats): Promise<RoomRouters> {
    const slot = await pool.leastLoaded();
    const router = await slot.worker.createRouter({ mediaCodecs, appData: { roomId } });
    return new RoomRouters(roomId, pool, { slot, router }, stats);
  }

  /** The workers this room has a router on now, home first. */
  get slots(): WorkerSlot[] {
    return [this.home.slot, ...this.#others.keys()];
  }

  /** Places a peer on the least loaded worker (preferring one this room is on already) and gets it a router there. */
  async place(peerId: string): Promise<Placement> {
    const slot = await this.#pool.placePeer(this.slots);
    const entry = slot === this.home.slot ? undefined : this.#routerOn(slot);
    try {
      const router = entry ? await entry.router : this.home.router;
      if (this.#closed || router.closed) throw new ProtocolError('bad_state', 'The room closed while you were joining; try again');
      const seat = { slot, router, entry };
      this.#placements.set(peerId, seat);
      return { slot, router };
    } catch (error) {
      this.#leave(slot, entry);
      throw error;
    }
  }

  /** Where a peer's transports live. */
  of(peerId: string): Placement {
    const placement = this.#placements.get(peerId);
    if (!placement) throw new ProtocolError('bad_state', 'This peer has no media placement');
    return placement;
  }

  /** The peer left: its worker counts it no more, and a router no peer of the room sits on any more closes. */
  release(peerId: string): void {
    const placement = this.#placements.get(peerId);
    if (!placement) return;
    this.#placements.delete(peerId);
    this.#leave(placement.slot, placement.entry);
  }

  /** Counts a peer's producer or consumer against its worker's load until it closes. */
  countStream(peerId: string, stream: types.Producer | types.Consumer): void {
    this.#pool.countStream(this.of(peerId).slot, stream);
  }

  /** The peers that sat on `slot` when its worker died (their router closed with it; not those placed on its successor). */
  peersLostWith(slot: WorkerSlot): string[] {
    return [...this.#placements].filter(([, seat]) => seat.slot === slot && seat.router.closed).map(([peerId]) => peerId);
  }

  /**
   * Makes producer `producerId` of router `from` consumable on router `to` under the same id (nothing when they are
   * one router). Its pipe closes when the producer does, and consumers on `to` then get `producerclose`.
   */
  pipe(kind: 'media' | 'data', id: string, from: types.Router, to: types.Router): Promise<void> {
    if (from === to) return Promise.resolve();
    const key = `${id}>${to.id}`;
    const existing = this.#pipes.get(key);
    if (existing) return existing;
    const startedAt = performance.now();
    const piping = (async () => {
      const options = kind === 'media' ? { producerId: id, router: to } : { dataProducerId: id, router: to };
      const result = await from.pipeToRouter(options);
      const piped = result.pipeProducer ?? result.pipeDataProducer;
      const through = result.pipeConsumer ?? result.pipeDataConsumer;
      if (!piped || !through) throw new Error('pipeToRouter returned nothing');
      if (piped.closed) throw new ProtocolError('not_found', 'That producer has closed');
      this.#stats[kind]++;
      if (result.pipeConsumer && result.pipeProducer) {
        this.#pool.countStream(this.#slotOf(from), result.pipeConsumer);
        this.#pool.countStream(this.#slotOf(to), result.pipeProducer);
      }
      (piped.observer as { once(event: 'close', listener: () => void): unknown }).once('close', () => {
        this.#stats[kind]--;
        if (this.#pipes.get(key) === piping) this.#pipes.delete(key);
      });
      log.debug('piped', { room: this.#roomId, kind, id, ms: Math.round(performance.now() - startedAt) });
    })();
    this.#pipes.set(key, piping);
    piping.catch(() => {
      if (this.#pipes.get(key) === piping) this.#pipes.delete(key);
    });
    return piping;
  }

  /** Closes every router of the room (their transports, producers, consumers and pipes with them). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const placement of this.#placements.values()) this.#pool.releasePeer(placement.slot);
    this.#placements.clear();
    this.home.router.close();
    for (const other of this.#others.values()) void other.router.then((router) => router.close(), () => {});
    this.#others.clear();
  }

  #slotOf(router: types.Router): WorkerSlot {
    if (router === this.home.router) return this.home.slot;
    for (const placement of this.#placements.values()) if (placement.router === router) return placement.slot;
    return this.home.slot;
  }

  /** The room's router entry on `slot`, made if needed, counting one more peer. */
  #routerOn(slot: WorkerSlot): OtherRouter {
    let other = this.#others.get(slot);
    if (!other) {
      const router = slot.worker.createRouter({ mediaCodecs, appData: { roomId: this.#roomId } });
      const entry: OtherRouter = { router, peers: 0 };
      other = entry;
      this.#others.set(slot, entry);
      router.then(
        (made) => {
          // Closed with its worker (or by the last peer leaving): a peer placed there later gets a new one.
          made.observer.once('close', () => {
            if (this.#others.get(slot) === entry) this.#others.delete(slot);
          });
          if (this.#closed) made.close();
        },
        () => {
          if (this.#others.get(slot) === entry) this.#others.delete(slot);
        },
      );
    }
    other.peers++;
    return other;
  }

  /** A peer left `slot`; its router there closes with its last peer (one made anew on a replaced worker is another). */
  #leave(slot: WorkerSlot, entry: OtherRouter | undefined): void {
    this.#pool.releasePeer(slot);
    if (!entry || --entry.peers > 0) return;
    if (this.#others.get(slot) === entry) this.#others.delete(slot);
    void entry.router.then((router) => router.close(), () => {});
  }
}
