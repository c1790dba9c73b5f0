import { offerUpdate } from './models/appUpdate.ts';

/**
 * Registers the service worker after the page has loaded, so it never competes with the first paint. A new
 * version is not forced on anyone (it could reload a call): it waits, the app offers Reload to update, and only
 * that tap tells the waiting worker to take over; the page reloads once it controls the page.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  window.addEventListener('load', () => {
    void import('workbox-window').then(({ Workbox }) => {
      const workbox = new Workbox('/sw.js', { type: 'module' });
      workbox.addEventListener('waiting', () => {
        offerUpdate(() => {
          workbox.addEventListener('controlling', () => location.reload());
          workbox.messageSkipWaiting();
        });
      });
      return workbox.register();
    });
  });
}
