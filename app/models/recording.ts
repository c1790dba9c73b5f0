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
