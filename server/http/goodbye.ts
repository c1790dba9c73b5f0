import type { Hono } from 'hono';
import * as v from 'valibot';
import { goodbyeSchema } from '../../shared/protocol/index.ts';
import type { RoomRegistry } from '../sfu/rooms.ts';

/** A goodbye is three short strings; anything longer is not one. */
const MAX_BODY_BYTES = 1_024;

/**
 * `POST /api/goodbye`: a page that is closing or reloading says so (`navigator.sendBeacon`), so its peer waits a
 * few seconds for a resume rather than the whole grace period. The resume token proves it is that page. Always
 * 204: the answer tells a guesser nothing, and a beacon never reads it anyway.
 */
export function mountGoodbye(app: Hono, rooms: RoomRegistry): void {
  app.post('/api/goodbye', async (c) => {
    const length = Number(c.req.header('content-length') ?? Number.NaN);
    if (!(length <= MAX_BODY_BYTES)) return c.body(null, 413);
    const body = await c.req.text();
    const parsed = v.safeParse(goodbyeSchema, parseJson(body));
    if (!parsed.success) return c.body(null, 400);
    const { room: roomId, peerId, token } = parsed.output;
    const peer = (await rooms.find(roomId))?.peers.get(peerId);
    if (peer?.matchesToken(token)) peer.goodbye();
    return c.body(null, 204);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
