import type { Hono } from 'hono';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { AnnotationStats } from '../annotations/service.ts';
import type { ChatStats } from '../chat/service.ts';
import type { RoomRegistry } from '../sfu/rooms.ts';
import type { WorkerPool } from '../sfu/workerPool.ts';

/**
 * Prometheus metrics at /metrics: what the SFU carries now (rooms, peers, transports, producers, consumers), where
 * it sits (peers and streams per worker, pipes between a room's routers) and what each mediasoup worker costs (CPU
 * seconds, peak memory). Values are read when scraped, never kept twice.
 */
export function mountMetrics(
  app: Hono,
  rooms: RoomRegistry,
  pool: WorkerPool,
  chat: ChatStats,
  annotations?: AnnotationStats,
): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'huddle_process_' });

  const allPeers = async () => (await rooms.all()).flatMap((room) => [...room.peers.values()]);

  new Gauge({
    name: 'huddle_rooms',
    help: 'Open rooms',
    registers: [registry],
    async collect() {
      this.set((await rooms.all()).length);
    },
  });
  new Gauge({
    name: 'huddle_peers',
    help: 'Peers in rooms, by whether their signaling connection is up or they are in the reconnect grace period',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const peers = await allPeers();
      const connected = peers.filter((peer) => peer.connected).length;
      this.set({ state: 'connected' }, connected);
      this.set({ state: 'reconnecting' }, peers.length - connected);
    },
  });
  new Gauge({
    name: 'huddle_transports',
    help: 'WebRTC transports',
    registers: [registry],
    async collect() {
      this.set((await allPeers()).reduce((sum, peer) => sum + peer.transports.size, 0));
    },
  });
  new Gauge({
    name: 'huddle_producers',
    help: 'Producers, by source',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const counts = { mic: 0, cam: 0, screen: 0 };
      for (const peer of await allPeers()) for (const producer of peer.producers.values()) counts[producer.appData.source]++;
      for (const [source, count] of Object.entries(counts)) this.set({ source }, count);
    },
  });
  new Gauge({
    name: 'huddle_consumers',
    help: 'Consumers',
    registers: [registry],
    async collect() {
      this.set((await allPeers()).reduce((sum, peer) => sum + peer.consumers.size, 0));
    },
  });
  new Gauge({
    name: 'huddle_worker_cpu_seconds',
    help: 'CPU time used by each mediasoup worker process (user + system)',
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      for (const [index, slot] of pool.slots.entries()) {
        if (slot.restarting) continue; // its worker died; the replacement reports once it runs
        const usage = await slot.worker.getResourceUsage();
        this.set({ worker: String(index) }, (usage.ru_utime + usage.ru_stime) / 1000);
      }
    },
  });
  new Gauge({
    name: 'huddle_worker_max_rss_bytes',
    help: 'Peak resident memory of each mediasoup worker process',
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      for (const [index, slot] of pool.slots.entries()) {
        if (slot.restarting) continue;
        this.set({ worker: String(index) }, (await slot.worker.getResourceUsage()).ru_maxrss * 1024);
      }
    },
  });

  mountPlacementMetrics(registry, rooms, pool);
  mountChatMetrics(registry, rooms, chat);
  mountFileMetrics(registry, rooms);
  if (annotations) mountAnnotationMetrics(registry, annotations);

  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));
}

/**
 * Where peers sit and how rooms span workers: peers and RTP streams per worker (what placement balances), routers
 * (more than rooms when some span workers) and the pipes joining them.
 */
function mountPlacementMetrics(registry: Registry, rooms: RoomRegistry, pool: WorkerPool): void {
  new Gauge({
    name: 'huddle_worker_peers',
    help: 'Peers placed on each mediasoup worker',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      for (const slot of pool.slots) this.set({ worker: String(slot.index) }, slot.peers);
    },
  });
  new Gauge({
    name: 'huddle_worker_streams',
    help: 'Producers and consumers (pipes included) on each mediasoup worker',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      for (const slot of pool.slots) this.set({ worker: String(slot.index) }, slot.streams);
    },
  });
  new Gauge({
    name: 'huddle_routers',
    help: 'Routers of open rooms: one per room and worker its peers sit on',
    registers: [registry],
    async collect() {
      this.set((await rooms.all()).reduce((sum, room) => sum + room.routers.slots.length, 0));
    },
  });
  new Gauge({
    name: 'huddle_pipes',
    help: 'Producers piped to another router of their room, by kind (media, data)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.set({ kind: 'media' }, rooms.pipeStats.media);
      this.set({ kind: 'data' }, rooms.pipeStats.data);
    },
  });
}

/** A counter whose total is kept elsewhere (a stats object) and read when scraped. */
function totalCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** Chat messages and data-channel traffic since the start. */
function mountChatMetrics(registry: Registry, rooms: RoomRegistry, chat: ChatStats): void {
  totalCounter(registry, 'huddle_chat_messages_stored_total', 'Chat messages stored (each once)', () => chat.stored);
  totalCounter(
    registry,
    'huddle_chat_messages_duplicate_total',
    'Chat messages resent after they were stored: acknowledged again, not stored or fanned out again',
    () => chat.duplicates,
  );
  new Counter({
    name: 'huddle_chat_messages_rejected_total',
    help: 'Chat frames dropped unstored, by reason (binary, oversize, invalid, rate_limited, out_of_order)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(chat.rejected)) this.inc({ reason }, count);
    },
  });
  totalCounter(
    registry,
    'huddle_chat_messages_delivered_total',
    'Chat messages sent out on room feeds, once per receiving peer',
    () => chat.delivered,
  );
  totalCounter(registry, 'huddle_data_channel_received_bytes_total', 'Data-channel bytes received from peers', () => rooms.dataStats.bytesIn);
  totalCounter(
    registry,
    'huddle_data_channel_sent_bytes_total',
    'Data-channel bytes sent to peers (once per receiving peer)',
    () => rooms.dataStats.bytesOut,
  );
  totalCounter(
    registry,
    'huddle_sctp_send_buffer_full_total',
    "Times mediasoup's SCTP send buffer toward a peer was full (messages may have been dropped; the app repairs that)",
    () => rooms.dataStats.sendBufferFull + rooms.fileStats.sendBufferFull,
  );
}

/** File transfers: bytes on file links (read from mediasoup when scraped), transfers running and completed. */
function mountFileMetrics(registry: Registry, rooms: RoomRegistry): void {
  const readOpenBytes = async () => {
    const counts = await Promise.all((await rooms.all()).map((room) => room.fileLinks.openBytes()));
    const total = { received: 0, relayed: 0 };
    for (const count of counts) {
      total.received += count.received;
      total.relayed += count.relayed;
    }
    return total;
  };
  // Both byte counters are collected in one scrape: they share one read of every link's stats.
  let reading: ReturnType<typeof readOpenBytes> | undefined;
  const openBytes = () => (reading ??= readOpenBytes().finally(() => (reading = undefined)));
  new Counter({
    name: 'huddle_file_bytes_received_total',
    help: 'Bytes the SFU received from senders on file links (a file sent to everyone is counted once)',
    registers: [registry],
    async collect() {
      this.reset();
      // Open links first: one that closes meanwhile moves its count to the closed total, read after.
      const open = (await openBytes()).received;
      this.inc(open + rooms.fileStats.closedBytesReceived);
    },
  });
  new Counter({
    name: 'huddle_file_bytes_relayed_total',
    help: 'Bytes the SFU sent to receivers on file links (once per receiver)',
    registers: [registry],
    async collect() {
      this.reset();
      const open = (await openBytes()).relayed;
      this.inc(open + rooms.fileStats.closedBytesRelayed);
    },
  });
  new Gauge({
    name: 'huddle_file_transfers_active',
    help: 'File transfers with a recipient whose part is not over',
    registers: [registry],
    async collect() {
      this.set((await rooms.all()).reduce((sum, room) => sum + room.files.activeCount, 0));
    },
  });
  totalCounter(
    registry,
    'huddle_file_transfers_completed_total',
    "Recipients that received a file and found its SHA-256 matching the sender's",
    () => rooms.fileStats.completed,
  );
}

/** Annotation ops since the start: applied, and dropped by reason (a flood shows as rate_limited). */
function mountAnnotationMetrics(registry: Registry, annotations: AnnotationStats): void {
  totalCounter(registry, 'huddle_annotation_ops_applied_total', 'Annotation ops applied and fanned out', () => annotations.applied);
  new Counter({
    name: 'huddle_annotation_ops_rejected_total',
    help: 'Annotation ops dropped, by reason (invalid, rate_limited, no_share, not_yours, too_many_strokes, too_many_points, room_full, gap, no_change)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(annotations.rejected)) this.inc({ reason }, count);
    },
  });
}
