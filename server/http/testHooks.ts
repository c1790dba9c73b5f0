import type { Hono } from 'hono';
import type { RoomRegistry } from '../sfu/rooms.ts';
import type { Connection } from '../signaling/connection.ts';

/**
 * Endpoints end-to-end tests use to break things on purpose. Mounted only when HUDDLE_TEST_HOOKS=1.
 * POST /__test/drop?peer=<peerId> cuts that peer's signaling socket from the server side.
 * GET /__test/rooms lists open rooms with the pid of the mediasoup worker carrying each one's home router, and the
 * worker pid of each peer (to kill one).
 */
export function mountTestHooks(app: Hono, connections: Set<Connection>, rooms: RoomRegistry): void {
  app.get('/__test/rooms', async (c) =>
    c.json(
      (await rooms.all()).map((room) => ({
        id: room.id,
        workerPid: room.slot.worker.pid,
        peers: room.peers.size,
        peerWorkerPids: Object.fromEntries([...room.peers.keys()].map((peerId) => [peerId, room.routers.of(peerId).slot.worker.pid])),
      })),
    ),
  );
  app.post('/__test/drop', (c) => {
    const peerId = c.req.query('peer');
    const targets = [...connections].filter((connection) => connection.peerId === peerId);
    for (const connection of targets) connection.drop();
    return c.json({ dropped: targets.length });
  });
}
