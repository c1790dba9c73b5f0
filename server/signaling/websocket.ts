import { upgradeWebSocket } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Hono } from 'hono';
import { MAX_MESSAGE_BYTES } from '../../shared/protocol/index.ts';
import { clientAddress, limitKey } from '../access/clientAddress.ts';
import { createLogger } from '../log.ts';
import { Connection } from './connection.ts';
import type { Services } from './context.ts';

const log = createLogger('ws');

/** Mounts the signaling WebSocket at /ws and returns the set of live connections. */
export function mountSignaling(app: Hono, services: Services): Set<Connection> {
  const connections = new Set<Connection>();
  app.get(
    '/ws',
    upgradeWebSocket((c) => {
      const remoteAddress = limitKey(
        clientAddress(getConnInfo(c).remote.address, c.req.header('x-forwarded-for'), services.config.trustedProxies),
      );
      let connection: Connection | undefined;
      return {
        onOpen(_event, ws) {
          connection = new Connection(
            {
              send: (text) => ws.send(text),
              close: (code, reason) => ws.close(code, reason),
            },
            services,
            remoteAddress,
          );
          connections.add(connection);
        },
        onMessage(event, ws) {
          const data = event.data;
          if (typeof data !== 'string' || data.length > MAX_MESSAGE_BYTES) {
            ws.send(JSON.stringify({ id: null, ok: false, error: { code: 'bad_request', message: 'Send JSON text frames up to 64 KiB' } }));
            return;
          }
          connection?.received(data);
        },
        onClose() {
          if (!connection) return;
          connection.closed();
          connections.delete(connection);
        },
        onError(event) {
          log.warn('socket error', { error: String(event) });
        },
      };
    }),
  );
  return connections;
}
