import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { resolveWorkerBin } from './workerBin.ts';

const log = createLogger('workers');

export type WorkerSlot = {
  /** Its place in the pool: worker i listens on RTC_PORT + i, and so does its replacement. */
  readonly index: number;
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  /** Peers placed on this worker (their transports, producers and consumers live on it). */
  peers: number;
  /** Producers and consumers on this worker, pipes' included: the RTP streams it forwards. */
  streams: number;
  /** Set while a replacement for a dead worker starts; new rooms go elsewhere meanwhile. */
  restarting: Promise<void> | undefined;
};

/** A worker that dies this soon after starting is crashing in a loop: wait a little before the next one. */
const QUICK_DEATH_MS = 10_000;
const RESTART_BACKOFF_MS = [0, 1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * How busy a worker is: each peer placed on it, plus each RTP stream (producer or consumer) it carries. A peer counts
 * from the moment it is placed, so a burst of joins spreads before any media exists; streams count on top because
 * they are what costs CPU (every packet in, every packet out), and a peer in a big room costs more than one alone.
 */
export function loadOf(slot: WorkerSlot): number {
  return slot.peers + slot.streams;
}

/**
 * One mediasoup worker per core, each with one WebRtcServer so all of that worker's media uses one port
 * (RTC_PORT + index, UDP with TCP fallback). Each peer goes to the least loaded worker (`loadOf`), so one room can
 * span workers (its routers joined with pipeToRouter, see RoomRouters). A worker that dies takes only its own
 * peers' media with it: the pool tells its listeners (the room registry) and starts a new worker on the same port.
 */
export class WorkerPool {
  readonly slots: WorkerSlot[] = [];
  readonly #config: Config;
  readonly #workerBin: string | undefined;
  readonly #diedListeners: ((slot: WorkerSlot) => void)[] = [];
  #closed = false;

  private constructor(config: Config, workerBin: string | undefined) {
    this.#config = config;
    this.#workerBin = workerBin;
  }

  static async create(config: Config): Promise<WorkerPool> {
    const workerBin = resolveWorkerBin(config.workerBin);
    const pool = new WorkerPool(config, workerBin);
    for (let index = 0; index < config.workers; index++) {
      const slot: WorkerSlot = { index, ...(await pool.#launch(index)), peers: 0, streams: 0, restarting: undefined };
      pool.#watch(slot);
      pool.slots.push(slot);
    }
    log.info('mediasoup workers ready', {
      workers: config.workers,
      workerBin: workerBin ?? 'mediasoup default',
      announcedAddress: config.rtcAnnouncedAddress,
      ports: pool.slots.map((slot) => slot.webRtcServer.appData.port),
    });
    return pool;
  }

  /** Calls `listener` as soon as a worker died, before its replacement starts. */
  onWorkerDied(listener: (slot: WorkerSlot) => void): void {
    this.#diedListeners.push(listener);
  }

  /**
   * The least loaded running worker; on a tie, one of `preferred` (where the room already has a router: no pipe
   * needed). Waits only when every worker is being replaced.
   */
  async leastLoaded(preferred: readonly WorkerSlot[] = []): Promise<WorkerSlot> {
    const slot = this.#pick(preferred);
    await slot.restarting;
    return slot;
  }

  /** Places a peer on the least loaded worker (see `leastLoaded`) and counts it there until `releasePeer`. */
  async placePeer(preferred: readonly WorkerSlot[] = []): Promise<WorkerSlot> {
    const slot = this.#pick(preferred);
    // Counted before waiting, so joins arriving together spread.
    slot.peers++;
    await slot.restarting;
    return slot;
  }

  releasePeer(slot: WorkerSlot): void {
    slot.peers = Math.max(0, slot.peers - 1);
  }

  /** Counts a producer or consumer against its worker until it closes (with its worker, too). */
  countStream(slot: WorkerSlot, stream: { closed: boolean; observer: { once(event: 'close', listener: () => void): unknown } }): void {
    if (stream.closed) return;
    slot.streams++;
    stream.observer.once('close', () => {
      slot.streams = Math.max(0, slot.streams - 1);
    });
  }

  #pick(preferred: readonly WorkerSlot[]): WorkerSlot {
    const running = this.slots.filter((slot) => !slot.restarting);
    const rank = (slot: WorkerSlot) => loadOf(slot) * 2 + (preferred.includes(slot) ? 0 : 1);
    return (running.length > 0 ? running : this.slots).reduce((best, candidate) => (rank(candidate) < rank(best) ? candidate : best));
  }

  close(): void {
    this.#closed = true;
    for (const slot of this.slots) slot.worker.close();
  }

  async #launch(index: number): Promise<Pick<WorkerSlot, 'worker' | 'webRtcServer'>> {
    const config = this.#config;
    const workerBin = this.#workerBin;
    const worker = await mediasoup.createWorker({
      logLevel: config.mediasoupLogLevel,
      ...(workerBin ? { workerBin } : {}),
      appData: { startedAt: Date.now() },
    });
    const port = config.rtcPort === 0 ? undefined : config.rtcPort + index;
    const listen = { ip: config.rtcListenIp, announcedAddress: config.rtcAnnouncedAddress, ...(port ? { port } : {}) };
    const webRtcServer = await worker
      .createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ...listen },
          { protocol: 'tcp', ...listen },
        ],
        appData: { port: port ?? 'random' },
      })
      .catch((error: unknown) => {
        worker.close();
        if (!String(error).includes('address already in use')) throw error;
        throw new Error(`The media port ${port} (RTC_PORT + ${index}) is already in use by another program: set RTC_PORT`);
      });
    return { worker, webRtcServer };
  }

  #watch(slot: WorkerSlot): void {
    const worker = slot.worker;
    worker.on('died', (error) => {
      if (this.#closed || slot.worker !== worker) return;
      log.error('mediasoup worker died; dropping its peers and starting a new one', {
        pid: worker.pid,
        index: slot.index,
        peers: slot.peers,
        error,
      });
      const quick = Date.now() - Number(worker.appData.startedAt) < QUICK_DEATH_MS;
      slot.restarting = this.#replace(slot, quick ? 1 : 0);
      for (const listener of this.#diedListeners) listener(slot);
    });
  }

  /** Starts a new worker in the dead one's place (same index, same port), retrying with backoff. */
  async #replace(slot: WorkerSlot, firstAttempt: number): Promise<void> {
    for (let attempt = firstAttempt; !this.#closed; attempt++) {
      const delay = RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)] ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
      try {
        const { worker, webRtcServer } = await this.#launch(slot.index);
        if (this.#closed) {
          worker.close();
          return;
        }
        Object.assign(slot, { worker, webRtcServer, restarting: undefined });
        this.#watch(slot);
        log.info('replacement mediasoup worker ready', { pid: worker.pid, index: slot.index, port: webRtcServer.appData.port });
        return;
      } catch (error) {
        log.error('could not start a replacement mediasoup worker; retrying', { index: slot.index, error });
      }
    }
  }
}
