import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES } from '../shared/protocol/index.ts';
import { defaultAnnouncedAddress, loadConfig } from './config.ts';
import { mountClient, mountHealth } from './http/app.ts';
import { mountMetrics } from './http/metrics.ts';
import { mountTestHooks } from './http/testHooks.ts';
import { createLogger } from './log.ts';
import { RoomRegistry } from './sfu/rooms.ts';
import { WorkerPool } from './sfu/workerPool.ts';
import { mountSignaling } from './signaling/websocket.ts';

/* Composition root: config → workers → rooms → HTTP + WebSocket. Nothing else lives here. */

const log = createLogger('server');
const config = loadConfig();

const pool = await WorkerPool.create(config, () => process.exit(1));
const rooms = new RoomRegistry(pool);

const app = new Hono();
mountHealth(app, rooms);
mountMetrics(app, rooms, pool);
const connections = mountSignaling(app, { config, rooms });
if (config.testHooks) mountTestHooks(app, connections);
mountClient(app, config.staticDir);

const server = serve(
  {
    fetch: app.fetch,
    hostname: config.host,
    port: config.port,
    websocket: { server: new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES * 2 }) },
  },
  (info) => {
    // Printed whatever LOG_LEVEL says: it is how people (and the tests) learn where the app is.
    const wildcard = config.host === '0.0.0.0' || config.host === '::';
    const lines = [`Huddle listening on http://${wildcard ? 'localhost' : config.host}:${info.port}`];
    if (wildcard) lines.push(`  on your network: http://${defaultAnnouncedAddress()}:${info.port}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  },
);

function shutdown(signal: string): void {
  log.info('shutting down', { signal });
  server.close();
  void rooms.closeAll().finally(() => {
    pool.close();
    process.exit(0);
  });
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
