import { effect } from '@preact/signals';
import { createLogger } from '../log.ts';
import { recordingsOpen, recordingSince, recordingWarning } from '../models/recording.ts';
import { openRecordingStore, type IdbRecordingStore } from '../storage/recordingStore.ts';
import { formatClock } from '../ui/recording/format.ts';
import { iframeDownload, RecordingLibrary } from './library.ts';

const log = createLogger('recordings');

/** While recording with the list open, it is read again this often (its length and size grow). */
const LIVE_REFRESH_MS = 2_000;

export type DeviceRecordings = { store: IdbRecordingStore; library: RecordingLibrary };

let opened: Promise<DeviceRecordings | undefined> | undefined;

/**
 * The recordings on this device, opened once per page at start-up: what a crash or a reload left unfinished is
 * recovered and announced, and the list follows the recorder. The call's recorder writes through the same store
 * (it holds the lock that tells a live recording from a crashed one).
 */
export function deviceRecordings(): Promise<DeviceRecordings | undefined> {
  opened ??= open().catch((error: unknown) => {
    log.warn('recordings unavailable', String(error));
    return undefined;
  });
  return opened;
}

async function open(): Promise<DeviceRecordings | undefined> {
  const store = await openRecordingStore();
  if (!store) return undefined;
  const library = new RecordingLibrary(store, iframeDownload);
  const recovered = await library.open();
  const newest = recovered[0];
  if (newest) {
    recordingWarning.value =
      recovered.length === 1
        ? `A recording was interrupted (${formatClock(newest.durationMs)} kept). It is in Recordings.`
        : `${recovered.length} interrupted recordings were kept. They are in Recordings.`;
  }
  let timer: ReturnType<typeof setInterval> | undefined;
  effect(() => {
    const recording = recordingSince.value !== null;
    void library.refresh();
    clearInterval(timer);
    if (recording && recordingsOpen.value) timer = setInterval(() => void library.refresh(), LIVE_REFRESH_MS);
  });
  addEventListener('pagehide', () => library.flush());
  return { store, library };
}
