import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RoomRegistry } from '../sfu/rooms.ts';

export function mountHealth(app: Hono, rooms: RoomRegistry): void {
  app.get('/healthz', (c) => c.json({ ok: true, rooms: rooms.size }));
}

/** The built client and the SPA fallback for /r/<room> links. Mount last: it answers every other GET. */
export function mountClient(app: Hono, staticDir: string): void {
  const root = path.relative(process.cwd(), path.resolve(staticDir)) || '.';
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    app.get('*', (c) => c.text(`The client is not built: run "npm run build" (looked in ${staticDir}).`, 503));
    return;
  }
  // Hashed build outputs never change under their name; everything else must be revalidated (index.html, sw.js).
  app.use('*', async (c, next) => {
    await next();
    const immutable = c.req.path.startsWith('/assets/') && c.res.ok;
    c.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  });
  app.use('/*', serveStatic({ root }));
  // Received files stream from the page's service worker; reaching the server means there was none to answer.
  app.get('/_download/*', (c) =>
    c.text('This download is made by the app in your browser, and it is not running here any more. Go back to the call.', 404),
  );
  // Recordings are saved from the browser's own storage by the service worker; the server never has them.
  app.get('/_recording/*', (c) =>
    c.text('Recordings are kept in your browser and saved by the app, which is not running here. Open the app and save it from Recordings.', 404),
  );
  app.get('*', serveStatic({ root, path: 'index.html' }));
}
