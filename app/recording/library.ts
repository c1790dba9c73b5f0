import { recentlyDeleted, recordingLibrary, recordings, type RecordingLibraryActions } from '../models/recording.ts';
import { recordingDownloadUrl, type RecordingMeta, type RecordingStore } from './ports.ts';

/** How long a deleted recording can be brought back with Undo before it is erased. */
export const UNDO_DELETE_MS = 6_000;

/** Starts the browser's download of a URL the service worker answers (a hidden iframe, as file transfers do). */
export type StartDownload = (url: string) => Promise<string | undefined> | string | undefined;

/**
 * The recordings on this device, for the Recordings list, in and out of a call: finds unfinished ones at start-up
 * (recovered), saves through the service worker, and deletes with a few seconds to undo.
 */
export class RecordingLibrary implements RecordingLibraryActions {
  readonly #store: RecordingStore;
  readonly #startDownload: StartDownload;
  #pendingDelete: { id: string; timer: ReturnType<typeof setTimeout> } | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;

  constructor(store: RecordingStore, startDownload: StartDownload) {
    this.#store = store;
    this.#startDownload = startDownload;
  }

  /** At start-up: marks what a crash or a reload left unfinished as recovered, lists everything; returns the recovered. */
  async open(): Promise<RecordingMeta[]> {
    const recovered = await this.#store.recoverUnfinished();
    await this.refresh();
    recordingLibrary.value = this;
    return recovered;
  }

  /** Reads the list again (after a recording starts, grows or stops); calls during a read coalesce into one more. */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        const list = await this.#store.list();
        const hidden = this.#pendingDelete?.id;
        recordings.value = list.filter((recording) => recording.id !== hidden);
      } while (this.#refreshAgain);
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async download(id: string): Promise<string | undefined> {
    const recording = recordings.value.find((candidate) => candidate.id === id);
    if (!recording) return 'This recording is gone.';
    if (recording.state === 'recording') return 'Stop recording to save it.';
    if (recording.chunks === 0) return 'Nothing was recorded in this one.';
    return this.#startDownload(recordingDownloadUrl(id));
  }

  delete(id: string): void {
    const recording = recordings.value.find((candidate) => candidate.id === id);
    if (!recording || recording.state === 'recording') return;
    this.#erasePending();
    const timer = setTimeout(() => this.#erasePending(), UNDO_DELETE_MS);
    this.#pendingDelete = { id, timer };
    recordings.value = recordings.value.filter((candidate) => candidate.id !== id);
    const when = new Date(recording.startedAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    recentlyDeleted.value = { id, title: `${when}` };
  }

  undoDelete(): void {
    const pending = this.#pendingDelete;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pendingDelete = undefined;
    recentlyDeleted.value = null;
    void this.refresh();
  }

  /** Erases a deletion that is waiting for its undo time now (the undo time ran out, another delete, the page closes). */
  flush(): void {
    this.#erasePending();
  }

  #erasePending(): void {
    const pending = this.#pendingDelete;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pendingDelete = undefined;
    if (recentlyDeleted.value?.id === pending.id) recentlyDeleted.value = null;
    void this.#store.delete(pending.id).then(() => this.refresh());
  }
}

/** How long a save waits for the service worker to take the page over (its first install may still be running). */
const WORKER_WAIT_MS = 15_000;

/** A hidden iframe pointed at the URL, once a service worker controls the page to answer it. */
export async function iframeDownload(url: string): Promise<string | undefined> {
  if (!(await serviceWorkerInControl())) {
    return 'Saving needs the app’s offline support, which is not running in this window. Reload the page and try again.';
  }
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.title = 'Download';
  frame.src = url;
  document.body.append(frame);
  // The frame only carries the download's request: gone once the browser has taken the response over.
  setTimeout(() => frame.remove(), 10 * 60_000);
  return undefined;
}

/** Whether a service worker controls this page, waiting a while for one being installed to take over. */
async function serviceWorkerInControl(): Promise<boolean> {
  const container = navigator.serviceWorker;
  if (!container) return false;
  if (container.controller) return true;
  const registration = await container.getRegistration().catch(() => undefined);
  if (!registration) return false;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(!!container.controller), WORKER_WAIT_MS);
    container.addEventListener('controllerchange', () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
  });
}
