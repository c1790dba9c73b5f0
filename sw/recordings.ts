/// <reference lib="webworker" />
import { registerRoute } from 'workbox-routing';
import { openRecordingStore } from '../app/storage/recordingStore.ts';
import { recordingResponse, type RecordingSource } from './recordingResponse.ts';

/** Where recordings are saved from: GET /_recording/<id> (app/recording/ports.ts `recordingDownloadUrl`). */
export const RECORDING_PATH_PREFIX = '/_recording/';

/**
 * Saves recordings from this worker: the fetch of /_recording/<id> streams the stored recording from IndexedDB (a
 * workbox route: call this before registering the navigation route, which would answer the navigation with the app).
 */
export function installRecordings(): void {
  let opened: Promise<RecordingSource | undefined> | undefined;
  const store = () => (opened ??= openRecordingStore().catch(() => undefined));
  registerRoute(
    ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith(RECORDING_PATH_PREFIX),
    async ({ url }) => {
      const source = await store();
      if (!source) return new Response('Recordings cannot be kept in this browser (it has no IndexedDB here).', { status: 404 });
      let id: string;
      try {
        id = decodeURIComponent(url.pathname.slice(RECORDING_PATH_PREFIX.length));
      } catch {
        return new Response('Not a recording address.', { status: 404 });
      }
      return recordingResponse(source, id);
    },
    'GET',
  );
}
