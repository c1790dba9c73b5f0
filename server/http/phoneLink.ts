import type { Hono } from 'hono';
import QRCode from 'qrcode';
import { roomPath } from '../../shared/links.ts';
import { roomIdSchema } from '../../shared/protocol/index.ts';
import * as v from 'valibot';

/**
 * "Open on your phone": the address a phone on this network (or anyone, with PUBLIC_URL) opens for a room, and
 * its QR code as SVG. 404 when there is no such address (HTTPS off, or bound to loopback only).
 */
export function mountPhoneLink(app: Hono, phoneBaseUrl: () => string | undefined): void {
  const linkFor = (room: string | undefined) => {
    const base = phoneBaseUrl();
    if (!base) return undefined;
    const parsed = room === undefined ? undefined : v.safeParse(roomIdSchema, room);
    return parsed?.success ? `${base}${roomPath(parsed.output)}` : `${base}/`;
  };

  app.get('/api/phone-link', (c) => {
    const url = linkFor(c.req.query('room'));
    return url ? c.json({ url }) : c.json({ error: 'No address for phones: HTTPS is off or the server only listens on loopback' }, 404);
  });

  app.get('/api/phone-link.svg', async (c) => {
    const url = linkFor(c.req.query('room'));
    if (!url) return c.text('Not available', 404);
    const svg = await QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    return c.body(svg, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-cache' });
  });
}
