import { signal } from '@preact/signals';
import type { RecordingMeta } from '../recording/ports.ts';

/** What the recording UI shows. The recorder and the store fill these; components only read them and call actions. */

/** While this page records: when it began (ms since the epoch), for the elapsed time on the Record button. */
export const recordingSince = signal<number | null>(null);
/** Every stored recording, newest first (recovered ones included). */
export const recordings = signal<readonly RecordingMeta[]>([]);
/** A warning about recording in words (storage nearly full, recording stopped because it filled), or null. */
export const recordingWarning = signal<string | null>(null);

export interface RecordingActions {
  /** Starts recording this call; resolves with why it cannot (no MediaRecorder, no storage) or undefined. */
  start(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** Set while in a call (recording needs the call's media). */
export const recordingActions = signal<RecordingActions | null>(null);

/** The Recordings panel is open. */
export const recordingsOpen = signal(false);

/** What the Recordings list can do; available in and out of a call (the recordings live on this device). */
export interface RecordingLibraryActions {
  /** Saves the recording through the service worker; resolves with why it cannot, or undefined. */
  download(id: string): Promise<string | undefined>;
  /** Takes the recording off the list at once; it is erased unless `undoDelete` comes within a few seconds. */
  delete(id: string): void;
  undoDelete(): void;
}

export const recordingLibrary = signal<RecordingLibraryActions | null>(null);
/** The recording just deleted, while its deletion can still be undone. */
export const recentlyDeleted = signal<{ id: string; title: string } | null>(null);
