import { createLogger } from '../log.ts';
import { recordingSince, recordingWarning, type RecordingActions } from '../models/recording.ts';
import { openMeetingMedia, type RecordingMedia } from './meetingMedia.ts';
import { pickMimeType } from './mimeType.ts';
import type { RecordingStore } from './ports.ts';

const log = createLogger('recorder');

/*
 * Records the meeting with MediaRecorder and stores every chunk the moment it arrives: a crash, a killed browser or
 * a reload loses at most the last second. Writes go through one queue (the store needs them in order, and a chunk
 * must never wait on another's write on the page's own path); anything failing ends the recording cleanly, keeping
 * what was stored, and says why in `recordingWarning`.
 */

/** What the storage quota module (quota.ts) says after each chunk: a warning to show, or to stop before it is full. */
export type QuotaCheck = (bytesSoFar: number, elapsedMs: number) => Promise<{ warning?: string; stop?: boolean }>;
/** Marks a recording as held by a live recorder (Web Locks), so start-up recovery leaves it alone; returns the release. */
export type HoldRecording = (id: string) => (() => void) | Promise<() => void>;

type RecorderLike = Pick<MediaRecorder, 'state' | 'start' | 'stop' | 'addEventListener' | 'mimeType'>;

export type MeetingRecorderOptions = {
  holdRecording?: HoldRecording;
  /** The picture and sound to record (tests pass fakes). */
  openMedia?: () => RecordingMedia;
  /** MediaRecorder, or a fake in tests. */
  MediaRecorder?: { new (stream: MediaStream, options: MediaRecorderOptions): RecorderLike; isTypeSupported(type: string): boolean };
  /** How often MediaRecorder hands over a chunk, ms. */
  timesliceMs?: number;
  newId?: () => string;
};

/** How long to wait for MediaRecorder's final `stop` event before letting go anyway. */
const STOP_TIMEOUT_MS = 5_000;

type Session = {
  id: string;
  recorder: RecorderLike;
  media: RecordingMedia;
  release: () => void;
  startedAt: number;
  /** performance.now() when the recorder started: chunk durations count from here. */
  clockStart: number;
  seq: number;
  bytes: number;
  /** Media time covered by the chunks stored so far. */
  storedMs: number;
  writes: Promise<void>;
  /** Set when the store failed: no further chunk is written (chunks must not have gaps). */
  writeFailed: boolean;
  recorderStopped: Promise<void>;
  ending: Promise<void> | null;
};

/** Records this call into `store`. `start`/`stop` are the Record button's actions (RecordingActions). */
export class MeetingRecorder implements RecordingActions {
  readonly #store: RecordingStore;
  readonly #room: string;
  readonly #checkQuota: QuotaCheck;
  readonly #options: MeetingRecorderOptions;
  #session: Session | null = null;
  #starting = false;

  constructor(store: RecordingStore, room: string, checkQuota: QuotaCheck, options: MeetingRecorderOptions = {}) {
    this.#store = store;
    this.#room = room;
    this.#checkQuota = checkQuota;
    this.#options = options;
  }

  get recording(): boolean {
    return this.#session !== null;
  }

  /** The compositor's timing while recording (the bench reads it). */
  stats(resetPeaks = false) {
    return this.#session?.media.stats(resetPeaks) ?? null;
  }

  async start(): Promise<string | undefined> {
    if (this.#session || this.#starting) return undefined;
    const Recorder = this.#options.MediaRecorder ?? globalThis.MediaRecorder;
    if (!Recorder) return 'This browser cannot record video.';
    const mimeType = pickMimeType((type) => Recorder.isTypeSupported(type));
    if (!mimeType) return 'This browser cannot record video in a format that can be saved.';
    this.#starting = true;
    let media: RecordingMedia | undefined;
    let created: string | undefined;
    let release: (() => void) | undefined;
    try {
      media = (this.#options.openMedia ?? openMeetingMedia)();
      const id = this.#options.newId?.() ?? crypto.randomUUID();
      const startedAt = Date.now();
      try {
        await this.#store.create({ id, room: this.#room, mimeType, startedAt });
      } catch (error) {
        log.warn('could not create the recording', { error: String(error) });
        media.close();
        return 'Recording needs storage on this device, and it could not be used.';
      }
      created = id;
      release = (await this.#options.holdRecording?.(id)) ?? (() => {});
      const recorder = new Recorder(new MediaStream([media.video, media.audio]), { mimeType });
      const session: Session = {
        id,
        recorder,
        media,
        release,
        startedAt,
        clockStart: performance.now(),
        seq: 0,
        bytes: 0,
        storedMs: 0,
        writes: Promise.resolve(),
        writeFailed: false,
        recorderStopped: new Promise((resolve) => recorder.addEventListener('stop', () => resolve(), { once: true })),
        ending: null,
      };
      recorder.addEventListener('dataavailable', (event) => this.#onChunk(session, (event as BlobEvent).data));
      recorder.addEventListener('error', (event) => {
        const reason = (event as ErrorEvent).error ?? (event as ErrorEvent).message ?? 'unknown';
        log.warn('the recorder failed', { reason: String(reason) });
        void this.#end(session, 'Recording stopped because the browser’s recorder failed. What was recorded is kept.');
      });
      recorder.start(this.#options.timesliceMs ?? 1000);
      session.clockStart = performance.now();
      this.#session = session;
      recordingWarning.value = null;
      recordingSince.value = startedAt;
      return undefined;
    } catch (error) {
      log.warn('could not start recording', { error: String(error) });
      media?.close();
      release?.();
      // An empty recording would be listed as recovered at the next start-up: remove it.
      if (created !== undefined) void this.#store.delete(created).catch(() => {});
      return 'Recording could not start in this browser.';
    } finally {
      this.#starting = false;
    }
  }

  /** Stops, stores the last chunk, marks the recording finished. Resolves once all of that is done. */
  async stop(): Promise<void> {
    const session = this.#session;
    if (session) await this.#end(session, null);
  }

  /** Queues a chunk's write; returns at once (the page's own work never waits on storage). */
  #onChunk(session: Session, data: Blob): void {
    if (data.size === 0) return;
    const seq = session.seq++;
    const durationMs = Math.round(performance.now() - session.clockStart);
    session.writes = session.writes.then(async () => {
      if (session.writeFailed) return;
      try {
        await this.#store.putChunk(session.id, seq, data, durationMs);
      } catch (error) {
        session.writeFailed = true;
        log.warn('could not store a recording chunk', { seq, error: String(error) });
        const full = error instanceof DOMException && error.name === 'QuotaExceededError';
        void this.#end(
          session,
          full
            ? 'Recording stopped: this device’s storage is full. What was recorded so far is kept.'
            : 'Recording stopped: it could not be saved on this device. What was recorded so far is kept.',
        );
        return;
      }
      session.bytes += data.size;
      session.storedMs = durationMs;
      if (!session.ending) void this.#askQuota(session, durationMs);
    });
  }

  async #askQuota(session: Session, elapsedMs: number): Promise<void> {
    try {
      const verdict = await this.#checkQuota(session.bytes, elapsedMs);
      if (session.ending) return;
      if (verdict.warning) recordingWarning.value = verdict.warning;
      if (verdict.stop) void this.#end(session, verdict.warning ?? 'Recording stopped: this device’s storage is nearly full.');
    } catch (error) {
      log.warn('could not check the storage quota', { error: String(error) });
    }
  }

  /** Ends a session once, however it ends: the final chunk stored, the recording finished, everything released. */
  #end(session: Session, warning: string | null): Promise<void> {
    if (warning) recordingWarning.value = warning;
    session.ending ??= (async () => {
      if (session.recorder.state !== 'inactive') {
        try {
          session.recorder.stop();
        } catch {
          // already stopping after an error
        }
      }
      // MediaRecorder hands over the last chunk before `stop`; a broken one may never say stop.
      await Promise.race([session.recorderStopped, new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS))]);
      session.media.close();
      await session.writes;
      try {
        await this.#store.finish(session.id, session.storedMs);
      } catch (error) {
        log.warn('could not mark the recording finished', { error: String(error) });
        recordingWarning.value ??= 'The recording could not be marked finished; it will be listed as recovered.';
      }
      session.release();
      if (this.#session === session) this.#session = null;
      recordingSince.value = null;
    })();
    return session.ending;
  }
}

/** The Record button's actions for one call: `store` for the chunks, `room` for the name, `checkQuota` after each chunk. */
export function createMeetingRecorder(
  store: RecordingStore,
  room: string,
  checkQuota: QuotaCheck,
  options: MeetingRecorderOptions = {},
): MeetingRecorder {
  return new MeetingRecorder(store, room, checkQuota, options);
}
