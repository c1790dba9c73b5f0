import { recordingActions, recordingWarning } from '../models/recording.ts';
import { deviceRecordings } from '../recording/device.ts';
import { byteRate, checkQuota, persistStorageOnce } from '../recording/quota.ts';
import { createMeetingRecorder, type MeetingRecorder, type QuotaCheck } from '../recording/recorder.ts';

/** After each chunk: the storage left at this recording's byte rate, as the recorder wants it. */
const quotaAfterChunk: QuotaCheck = async (bytesSoFar, elapsedMs) => {
  const verdict = await checkQuota(byteRate(bytesSoFar, elapsedMs));
  if (verdict.kind === 'stop') return { stop: true, warning: verdict.message };
  if (verdict.kind === 'warn') return { warning: verdict.message };
  return {};
};

/**
 * Recording during one call: the Record button's actions. The recorder writes through the device's recording
 * store (the one the Recordings list reads), and is stopped, keeping what it recorded, when the call ends.
 */
export class RoomRecording {
  readonly #room: string;
  #recorder: MeetingRecorder | undefined;

  constructor(room: string) {
    this.#room = room;
  }

  /** Offers the Record button its actions for this call. */
  open(): void {
    recordingActions.value = {
      start: () => this.#start(),
      stop: async () => this.#recorder?.stop(),
    };
  }

  async #start(): Promise<string | undefined> {
    const device = await deviceRecordings();
    if (!device) return 'Recording needs storage on this device (IndexedDB), which this browser does not offer here.';
    void persistStorageOnce();
    this.#recorder ??= createMeetingRecorder(device.store, this.#room, quotaAfterChunk);
    return this.#recorder.start();
  }

  /** The call ended: what was recorded is finished and kept. */
  async close(): Promise<void> {
    recordingActions.value = null;
    const recorder = this.#recorder;
    this.#recorder = undefined;
    if (recorder?.recording) {
      await recorder.stop();
      recordingWarning.value = 'The call ended, so the recording stopped. It is in Recordings.';
    }
  }
}
