import { Hono } from 'hono';
import { InviteSigner } from './access/invites.ts';
import { loadConfig } from './config.ts';
import { mountClient, mountHealth } from './http/app.ts';
import { mountGoodbye } from './http/goodbye.ts';
import { listen } from './http/listen.ts';
import { mountMetrics } from './http/metrics.ts';
import { mountPhoneLink } from './http/phoneLink.ts';
import { mountSecurityHeaders } from './http/securityHeaders.ts';
import { mountTestHooks } from './http/testHooks.ts';
import { createLogger } from './log.ts';
import { RoomRegistry } from './sfu/rooms.ts';
import { WorkerPool } from './sfu/workerPool.ts';
import { KeyedRateLimiter } from './signaling/rateLimit.ts';
import { mountSignaling } from './signaling/websocket.ts';

/* Composition root: config → workers → rooms → HTTP + WebSocket. Nothing else lives here. */

const log = createLogger('server');
const config = loadConfig();

const pool = await WorkerPool.create(config, () => process.exit(1));
const rooms = new RoomRegistry(pool);

const app = new Hono();
mountSecurityHeaders(app);
mountHealth(app, rooms);
mountMetrics(app, rooms, pool);
const joinLimiter = new KeyedRateLimiter(config.joinRatePerMinute, config.joinRatePerMinute / 60);
const invites = new InviteSigner(config.inviteSecret, config.inviteTtlS);
const connections = mountSignaling(app, { config, rooms, joinLimiter, invites });
if (config.testHooks) mountTestHooks(app, connections);
mountGoodbye(app, rooms);
let lanUrl: string | undefined;
mountPhoneLink(app, () => config.publicUrl ?? lanUrl);
mountClient(app, config.staticDir);

const listening = await listen(app, config);
lanUrl = listening.phoneUrl;

function shutdown(signal: string): void {
  log.info('shutting down', { signal });
  for (const server of listening.servers) server.close();
  void rooms.closeAll().finally(() => {
    pool.close();
    process.exit(0);
  });
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
