import { upgradeWebSocket } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Hono } from 'hono';
import type { WebSocket } from 'ws';
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
          const socket = ws.raw as WebSocket;
          connection = new Connection(
            {
              send: (text) => ws.send(text),
              terminate: () => socket.terminate(),
              get bufferedAmount() {
                return socket.bufferedAmount;
              },
            },
            services,
            remoteAddress,
          );
          connections.add(connection);
        },
        onMessage(event) {
          // Every frame goes to the connection, binary and oversized ones too: each is charged to its budget.
          connection?.received(event.data);
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
