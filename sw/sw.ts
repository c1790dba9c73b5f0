/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { installDownloads } from './downloads.ts';
import { installRecordings } from './recordings.ts';
import { installShareTarget } from './shareTarget.ts';

/*
 * The app shell works offline: built files are precached and every page navigation (/, /r/<room>) gets
 * index.html. Server endpoints are never answered from the cache. Received files stream to disk through this
 * worker (downloads.ts), recordings are saved from IndexedDB (recordings.ts), and files shared into the app from
 * other apps arrive here (shareTarget.ts).
 */
declare const self: ServiceWorkerGlobalScope;

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
// Before the navigation route: a download is the navigation of a hidden iframe, and must never get the app.
installDownloads(self);
installRecordings();
installShareTarget();
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/api(\/|$)/, /^\/ws(\/|$)/, /^\/healthz$/, /^\/metrics$/, /^\/__test(\/|$)/, /^\/_download\//, /^\/_recording\//],
  }),
);

// An update waits until the person taps Reload to update (workbox-window's messageSkipWaiting), never mid-call.
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// Control the page that installed this worker, on its first visit: its fetches (lazy chunks, and the
// service-worker downloads of file transfers) go through the worker without waiting for a reload.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});
