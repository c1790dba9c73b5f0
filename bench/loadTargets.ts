/**
 * What the load bench drives: one VP8 producer fed by ffmpeg over plain RTP, and as many plain-RTP consumers as it
 * asks for, each sending to a UDP port it is given. Three versions in one run: raw mediasoup on one worker, raw
 * mediasoup with one router on each of two workers joined by pipeToRouter (consumers alternate), and the project's
 * own rooms code (WorkerPool → RoomRegistry → Room → Peer, Room.produce / Room.consume) on one worker.
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { loadConfig } from '../server/config.ts';
import { mediaCodecs } from '../server/sfu/codecs.ts';
import { Peer, type PeerChannel, type TransportAppData } from '../server/sfu/peer.ts';
import type { Room } from '../server/sfu/room.ts';
import { RoomRegistry } from '../server/sfu/rooms.ts';
import { resolveWorkerBin } from '../server/sfu/workerBin.ts';
import { WorkerPool } from '../server/sfu/workerPool.ts';
import { CLIP_PAYLOAD_TYPE, CLIP_SSRC, ownWorker, startSender } from './loadProcesses.ts';

export type LoadTarget = {
  readonly name: string;
  /** The mediasoup worker processes doing the forwarding (their CPU is read from /proc). */
  workerPids(): number[];
  /** One more consumer of the producer, resumed, sending to 127.0.0.1:`port`. */
  addConsumer(port: number, index: number): Promise<void>;
  /**
   * Pauses or resumes the producer: consumers are added while it is paused, or a worker near 100 % CPU answers
   * the requests that create them only after minutes.
   */
  setFlowing(flowing: boolean): Promise<void>;
  /** Whether its consumers really are spread over more than one worker. */
  readonly spread: boolean;
  /** Packets the producer received so far. */
  producerPackets(): Promise<number>;
  close(): Promise<void>;
};

const LOOPBACK: types.TransportListenInfo = { protocol: 'udp', ip: '127.0.0.1' };
const VP8_FROM_FFMPEG: types.RtpParameters = {
  codecs: [{ mimeType: 'video/VP8', payloadType: CLIP_PAYLOAD_TYPE, clockRate: 90_000 }],
  encodings: [{ ssrc: CLIP_SSRC }],
};

/** Receivers: RTP and RTCP on one port, sending to the port they are connected to. */
const RECEIVER: types.PlainTransportOptions = { listenInfo: LOOPBACK, rtcpMux: true, comedia: false };
/** The sender: ffmpeg sends RTP and RTCP to two ports; the transport learns ffmpeg's address from them. */
const SENDER: types.PlainTransportOptions = { listenInfo: LOOPBACK, rtcpMux: false, comedia: true };

async function packetsOf(producer: types.Producer): Promise<number> {
  return (await producer.getStats()).reduce((sum, stream) => sum + stream.packetCount, 0);
}

function feed(transport: types.PlainTransport, clip: string): { stop(): void } {
  return startSender(clip, transport.tuple.localPort, transport.rtcpTuple?.localPort ?? transport.tuple.localPort + 1);
}

async function rawWorker(): Promise<types.Worker> {
  const workerBin = resolveWorkerBin(process.env.MEDIASOUP_WORKER_BIN);
  const worker = await mediasoup.createWorker({ logLevel: 'warn', ...(workerBin ? { workerBin } : {}) });
  ownWorker(worker.pid);
  return worker;
}

/**
 * Raw mediasoup: `workers` workers with a router each; the producer on the first, piped to the others; consumer i
 * on router i mod `workers`.
 */
export async function rawTarget(clip: string, workers: 1 | 2): Promise<LoadTarget> {
  const all = await Promise.all(Array.from({ length: workers }, rawWorker));
  const routers = await Promise.all(all.map((worker) => worker.createRouter({ mediaCodecs })));
  const [first] = routers;
  const sendTransport = await first!.createPlainTransport(SENDER);
  const producer = await sendTransport.produce({ kind: 'video', rtpParameters: VP8_FROM_FFMPEG });
  for (const other of routers.slice(1)) await first!.pipeToRouter({ producerId: producer.id, router: other });
  const sender = feed(sendTransport, clip);
  return {
    name: workers === 1 ? 'raw mediasoup, 1 worker' : 'raw mediasoup, 1 router on each of 2 workers (pipeToRouter)',
    workerPids: () => all.map((worker) => worker.pid),
    async addConsumer(port, index) {
      const router = routers[index % routers.length]!;
      const transport = await router.createPlainTransport(RECEIVER);
      await transport.connect({ ip: '127.0.0.1', port });
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
      await consumer.resume();
    },
    setFlowing: (flowing) => (flowing ? producer.resume() : producer.pause()),
    spread: workers > 1,
    producerPackets: () => packetsOf(producer),
    async close() {
      sender.stop();
      for (const worker of all) worker.close();
    },
  };
}

const SILENT: PeerChannel = { notify() {}, drop() {}, fence() {} };

/**
 * The seam into server/sfu (nothing in it changed): a PlainTransport stands in for a bench peer's WebRtcTransport
 * in `peer.transports`. Room.produce and Room.consume only call `produce` / `consume` on it, which both kinds of
 * transport have; the room's checks, bookkeeping, notifications and closing all run as for a real peer.
 */
function attachPlainTransport(peer: Peer, direction: 'send' | 'recv', transport: types.PlainTransport): types.WebRtcTransport<TransportAppData> {
  const standIn = transport as unknown as types.WebRtcTransport<TransportAppData>;
  peer.transports.set(direction, standIn);
  return standIn;
}

/** The router a bench peer's transport goes on: the one the room placed the peer on (Room.addPeer places it). */
function routerFor(room: Room, peer: Peer): types.Router {
  return room.routers.of(peer.id).router;
}

/** The project's rooms code on a WorkerPool of `workers` workers: one room, one sender peer, one peer per consumer. */
export async function projectTarget(clip: string, workers: 1 | 2): Promise<LoadTarget> {
  const config = loadConfig({
    MEDIASOUP_WORKERS: String(workers),
    RTC_LISTEN_IP: '127.0.0.1',
    RTC_PORT: '0',
    MEDIASOUP_LOG_LEVEL: 'warn',
    ...(process.env.MEDIASOUP_WORKER_BIN ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN } : {}),
  });
  const pool = await WorkerPool.create(config);
  for (const slot of pool.slots) ownWorker(slot.worker.pid);
  const rooms = new RoomRegistry(pool, { sctpSendBufferSize: config.sctpSendBufferSize });
  const room = await rooms.getOrCreate('load');
  const senderPeer = new Peer('ffmpeg', SILENT);
  // `await`: on the workers branch adding a peer places it on a worker first.
  await room.addPeer(senderPeer);
  const sendTransport = await routerFor(room, senderPeer).createPlainTransport(SENDER);
  const producer = await room.produce(senderPeer, attachPlainTransport(senderPeer, 'send', sendTransport), {
    kind: 'video',
    source: 'cam',
    rtpParameters: VP8_FROM_FFMPEG,
    paused: false,
  });
  const sender = feed(sendTransport, clip);
  return {
    name: `the project's rooms code, ${workers} worker${workers === 1 ? '' : 's'}`,
    workerPids: () => pool.slots.map((slot) => slot.worker.pid),
    async addConsumer(port, index) {
      const peer = new Peer(`viewer ${index}`, SILENT);
      await room.addPeer(peer);
      const router = routerFor(room, peer);
      peer.rtpCapabilities = router.rtpCapabilities;
      const transport = await router.createPlainTransport(RECEIVER);
      await transport.connect({ ip: '127.0.0.1', port });
      attachPlainTransport(peer, 'recv', transport);
      // As the signaling handlers do: consume (paused) through the room, then resume.
      const consumer = await peer.serialize(() => room.consume(peer, producer.id));
      await consumer.resume();
    },
    setFlowing: (flowing) => room.setProducerPaused(senderPeer, producer, !flowing),
    spread: workers > 1,
    producerPackets: () => packetsOf(producer),
    async close() {
      sender.stop();
      await rooms.closeAll();
      pool.close();
    },
  };
}
