import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { resolveWorkerBin } from './workerBin.ts';

const log = createLogger('workers');

export type WorkerSlot = {
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  rooms: number;
};

/**
 * One mediasoup worker per core, each with one WebRtcServer so all of that worker's media uses one port
 * (RTC_PORT + index, UDP with TCP fallback). Rooms go to the worker carrying the fewest rooms.
 */
export class WorkerPool {
  readonly slots: WorkerSlot[] = [];
  #onFatal: (error: Error) => void;

  private constructor(onFatal: (error: Error) => void) {
    this.#onFatal = onFatal;
  }

  static async create(config: Config, onFatal: (error: Error) => void): Promise<WorkerPool> {
    const pool = new WorkerPool(onFatal);
    const workerBin = resolveWorkerBin(config.workerBin);
    for (let index = 0; index < config.workers; index++) {
      pool.slots.push(await createSlot(config, index, workerBin, pool.#onFatal));
    }
    log.info('mediasoup workers ready', {
      workers: config.workers,
      workerBin: workerBin ?? 'mediasoup default',
      announcedAddress: config.rtcAnnouncedAddress,
      ports: pool.slots.map((slot) => slot.webRtcServer.appData.port),
    });
    return pool;
  }

  /** Picks the least loaded worker and counts the room against it until `release` is called. */
  acquire(): WorkerSlot {
    const slot = this.slots.reduce((best, candidate) => (candidate.rooms < best.rooms ? candidate : best));
    slot.rooms++;
    return slot;
  }

  release(slot: WorkerSlot): void {
    slot.rooms = Math.max(0, slot.rooms - 1);
  }

  close(): void {
    for (const slot of this.slots) slot.worker.close();
  }
}

async function createSlot(
  config: Config,
  index: number,
  workerBin: string | undefined,
  onFatal: (error: Error) => void,
): Promise<WorkerSlot> {
  const worker = await mediasoup.createWorker({ logLevel: config.mediasoupLogLevel, ...(workerBin ? { workerBin } : {}) });
  worker.on('died', (error) => {
    // A dead worker takes its rooms' media with it; restarting the process is the only clean recovery.
    log.error('mediasoup worker died', { pid: worker.pid, error });
    onFatal(error);
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
  return { worker, webRtcServer, rooms: 0 };
}
