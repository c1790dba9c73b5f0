import type { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * Security headers on every response: a CSP that allows exactly what the app does (its own scripts and styles,
 * the signaling WebSocket, camera/microphone streams, the QR image), no framing, and HSTS only over HTTPS — sent
 * over plain HTTP on a LAN it would lock phones out of the http:// address.
 */
export function mountSecurityHeaders(app: Hono): void {
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        // hash-wasm compiles its SHA-256 from WebAssembly (file transfers hash incrementally): no eval of scripts.
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:', 'mediastream:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
      },
      strictTransportSecurity: false,
      // Camera, microphone and screen capture are this app's job; nothing else may ask.
      permissionsPolicy: { camera: ['self'], microphone: ['self'], displayCapture: ['self'], geolocation: [] },
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    if (new URL(c.req.url).protocol === 'https:') c.header('Strict-Transport-Security', 'max-age=15552000');
  });
}
