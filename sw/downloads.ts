/// <reference lib="webworker" />
import { registerRoute } from 'workbox-routing';
import { DOWNLOAD_CHANNEL, DOWNLOAD_PATH_PREFIX, type DownloadReply } from './downloadMessages.ts';
import { DownloadRegistry } from './downloadRegistry.ts';

/** Longest a single message event keeps the worker alive for itself; the page's pings cover longer waits. */
const MESSAGE_LIFETIME_MS = 60_000;

/**
 * Serves downloads in this worker: page messages on the global scope, and the fetch of /_download/<id> (a workbox
 * route: call this before registering the navigation route, which would answer the iframe's navigation with the app).
 */
export function installDownloads(scope: ServiceWorkerGlobalScope, registry = new DownloadRegistry()): DownloadRegistry {
  scope.addEventListener('message', (event) => {
    if ((event.data as { channel?: unknown } | null)?.channel !== DOWNLOAD_CHANNEL) return;
    const port = event.ports[0];
    if (!port) return;
    const replied = registry.handle(event.data).then(
      (reply) => port.postMessage(reply),
      (error: unknown) => port.postMessage({ ok: false, error: { code: 'invalid', message: String(error) } } satisfies DownloadReply),
    );
    // A message event keeps the worker alive until its answer, within reason (a chunk can wait long for the browser).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const capped = new Promise((resolve) => (timer = setTimeout(resolve, MESSAGE_LIFETIME_MS)));
    event.waitUntil(Promise.race([replied, capped]).finally(() => clearTimeout(timer)));
  });
  registerRoute(
    ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith(DOWNLOAD_PATH_PREFIX),
    ({ url }) => registry.respond(url.pathname.slice(DOWNLOAD_PATH_PREFIX.length)),
    'GET',
  );
  return registry;
}
