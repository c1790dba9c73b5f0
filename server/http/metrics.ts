import type { Hono } from 'hono';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RoomRegistry } from '../sfu/rooms.ts';
import type { WorkerPool } from '../sfu/workerPool.ts';

/**
 * Prometheus metrics at /metrics: what the SFU carries now (rooms, peers, transports, producers, consumers) and
 * what each mediasoup worker costs (CPU seconds, peak memory). Values are read when scraped, never kept twice.
 */
export function mountMetrics(app: Hono, rooms: RoomRegistry, pool: WorkerPool): void {
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

  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));
}
