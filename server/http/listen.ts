import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import qrcode from 'qrcode-terminal';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../shared/protocol/index.ts';
import { defaultAnnouncedAddress, type Config } from '../config.ts';
import { loadOrCreateCertificate } from '../tls/certificate.ts';
import { watchCertificatePair } from '../tls/watch.ts';

type Closable = { close(callback?: (error?: Error) => void): unknown };

export type Listening = { httpPort: number; httpsPort: number | undefined; phoneUrl: string | undefined; servers: Closable[] };

function listeningPort(server: { address(): AddressInfo | string | null }): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

type Listener = { listening: boolean; once(event: 'listening' | 'error', listener: (error?: Error) => void): unknown };

function once(server: Listener, what: string, alternative = 'choose another'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', () => resolve());
    server.once('error', (error) => {
      const inUse = (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
      reject(inUse ? new Error(`${what} is already in use by another program: ${alternative}`) : error);
    });
  });
}

/**
 * Serves the app over HTTP and, unless HTTPS=off, over HTTPS on its own port, with one WebSocket server behind
 * both. Prints where to open it, with a QR code a phone on the same network can scan.
 */
export async function listen(app: Hono, config: Config): Promise<Listening> {
  const websocket = { server: new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES * 2 }) };
  const http = serve({ fetch: app.fetch, hostname: config.host, port: config.port, websocket });
  await once(http, `PORT ${config.port}`);
  const servers: Closable[] = [http];
  let httpsPort: number | undefined;
  if (config.https) {
    const tls = await loadOrCreateCertificate(config.https);
    const https = serve({
      fetch: app.fetch,
      hostname: config.host,
      port: config.https.port,
      createServer: createHttpsServer,
      serverOptions: { key: tls.key, cert: tls.cert },
      websocket,
    });
    await once(https, `HTTPS_PORT ${config.https.port}`, 'choose another, or set HTTPS=off');
    servers.push(https);
    const { certFile, keyFile } = config.https;
    if (certFile && keyFile) {
      // The operator's certificate is renewed in place (Let's Encrypt: every 60 days): new connections get it.
      const watcher = watchCertificatePair({ certFile, keyFile }, (pair) => (https as HttpsServer).setSecureContext(pair));
      servers.push({
        close(callback) {
          watcher.close();
          callback?.();
        },
      });
    }
    httpsPort = listeningPort(https);
  }
  const httpPort = listeningPort(http);
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const shownHost = wildcard ? 'localhost' : config.host;
  const phoneUrl = httpsPort && wildcard ? `https://${defaultAnnouncedAddress()}:${httpsPort}` : undefined;
  announce(httpPort, httpsPort, shownHost, phoneUrl);
  return { httpPort, httpsPort, phoneUrl, servers };
}

// Printed whatever LOG_LEVEL says: it is how people (and the tests) learn where the app is.
function announce(httpPort: number, httpsPort: number | undefined, host: string, phoneUrl: string | undefined): void {
  const lines = [`Huddle listening on http://${host}:${httpPort}`];
  if (httpsPort) lines.push(`  over https: https://${host}:${httpsPort}`);
  if (phoneUrl) {
    lines.push(`  on your phone (same Wi-Fi): ${phoneUrl}`);
    lines.push('  (the certificate is self-signed: accept the warning once, see the README)');
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (phoneUrl && process.stdout.isTTY) qrcode.generate(phoneUrl, { small: true }, (code) => process.stdout.write(`${code}\n`));
}
