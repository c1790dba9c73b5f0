/** Registers the service worker after the page has loaded, so it never competes with the first paint. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  window.addEventListener('load', () => {
    void import('workbox-window').then(({ Workbox }) => new Workbox('/sw.js', { type: 'module' }).register());
  });
}
