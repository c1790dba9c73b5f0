/*
 * The seams of in-browser recording. The recorder (recorder.ts) writes chunks through a RecordingStore as
 * MediaRecorder hands them over; the store (app/storage/recordingStore.ts) is IndexedDB, shared with the service
 * worker, which streams a saved recording into a download from the same database (sw/recordings.ts).
 */

/** One recording as the list shows it. */
export type RecordingMeta = {
  id: string;
  /** The room it was made in (for its file name). */
  room: string;
  /** The MediaRecorder's type, e.g. `video/webm;codecs=vp9,opus` or `video/mp4`. */
  mimeType: string;
  /** When recording began (ms since the epoch). */
  startedAt: number;
  /** Media time recorded so far: from the start to the newest stored chunk, in ms. */
  durationMs: number;
  /** Chunks stored, numbered 0..chunks-1 without gaps. */
  chunks: number;
  /** Bytes stored. */
  bytes: number;
  /**
   * `recording` while a recorder writes it; `finished` once stopped; `recovered` when found unfinished at start-up
   * with no recorder holding it (the tab crashed or was reloaded): its chunks up to the last one are kept.
   */
  state: 'recording' | 'finished' | 'recovered';
};

/** What a recorder needs from storage. Writes of one recording are applied in the order they are called. */
export interface RecordingStore {
  /** A new recording, state `recording`, no chunks. */
  create(meta: Pick<RecordingMeta, 'id' | 'room' | 'mimeType' | 'startedAt'>): Promise<void>;
  /** Stores chunk `seq` (0, 1, 2… in order) and moves the recording's duration/size on, in one transaction. */
  putChunk(id: string, seq: number, data: Blob, durationMs: number): Promise<void>;
  /** Marks the recording finished with its final duration. */
  finish(id: string, durationMs: number): Promise<void>;
  /** Every recording, newest first. */
  list(): Promise<RecordingMeta[]>;
  /** Removes the recording and all its chunks. */
  delete(id: string): Promise<void>;
  /**
   * At start-up: recordings left `recording` that no live recorder holds (see `holdRecording`) become `recovered`;
   * returns them.
   */
  recoverUnfinished(): Promise<RecordingMeta[]>;
}

/** Where a saved recording downloads from: the service worker answers it from IndexedDB (sw/recordings.ts). */
export function recordingDownloadUrl(id: string): string {
  return `/_recording/${encodeURIComponent(id)}`;
}
