/*
 * Storage while recording. Chunks go to IndexedDB, which shares the origin's quota; when it runs out a chunk write
 * fails and the rest of the meeting is lost. So the recorder asks for persistent storage once (the browser then does
 * not evict recordings under pressure), and checks `navigator.storage.estimate()` as it goes: a warning in words while
 * there is time to act, and a stop while the recording made so far can still be closed cleanly.
 */

/** What `navigator.storage.estimate()` gives (either may be missing). */
export type StorageEstimate = { usage?: number; quota?: number };

export type QuotaVerdict =
  | { kind: 'ok' }
  /** Space for about `minutesLeft` more minutes: the message says so. */
  | { kind: 'warn'; minutesLeft: number; message: string }
  /** Stop recording now; the message says why. */
  | { kind: 'stop'; message: string };

/** Warn once less than this much recording time is left. */
export const WARN_BELOW_SECONDS = 10 * 60;
/**
 * Stop once less than this much is left: a few chunks' worth, for the last chunks, the meta, and the rest of the
 * app (chat, files) that shares the quota.
 */
export const STOP_BELOW_SECONDS = 15;
/** Never run closer to the quota than this, however slow the recording. */
export const STOP_BELOW_BYTES = 16 * 1024 * 1024;

export const STOPPED_MESSAGE = 'Recording stopped: storage is full. What was recorded so far is kept.';

/** Bytes per second of a recording so far (0 before its first chunk). */
export function byteRate(bytes: number, durationMs: number): number {
  return durationMs > 0 ? (bytes * 1000) / durationMs : 0;
}

/**
 * What to tell the person given the storage estimate and the recording's byte rate.
 *
 * @example quotaVerdict({ usage: 900e6, quota: 1e9 }, 250_000) // warn: about 6 minutes of recording left
 */
export function quotaVerdict(estimate: StorageEstimate, bytesPerSecond: number): QuotaVerdict {
  const { usage, quota } = estimate;
  // A browser that does not say cannot be second-guessed: the write failing is then the signal.
  if (usage === undefined || quota === undefined || !(quota > 0)) return { kind: 'ok' };
  const free = Math.max(0, quota - usage);
  const secondsLeft = bytesPerSecond > 0 ? free / bytesPerSecond : Infinity;
  if (free < STOP_BELOW_BYTES || secondsLeft < STOP_BELOW_SECONDS) return { kind: 'stop', message: STOPPED_MESSAGE };
  if (secondsLeft >= WARN_BELOW_SECONDS) return { kind: 'ok' };
  const minutesLeft = Math.max(1, Math.floor((secondsLeft - STOP_BELOW_SECONDS) / 60));
  const time = minutesLeft === 1 ? 'about 1 minute' : `about ${minutesLeft} minutes`;
  return { kind: 'warn', minutesLeft, message: `Storage is nearly full: ${time} of recording left.` };
}

/** The browser's StorageManager, where there is one. */
type Storage = Pick<StorageManager, 'estimate' | 'persist'>;
const browserStorage = (): Storage | undefined => globalThis.navigator?.storage;

let persisted: Promise<boolean> | undefined;

/**
 * Asks once per page for persistent storage (so the browser does not evict recordings when the disk fills);
 * resolves with whether it was granted. Never throws.
 */
export function persistStorageOnce(storage: Storage | undefined = browserStorage()): Promise<boolean> {
  persisted ??= storage?.persist ? storage.persist().catch(() => false) : Promise.resolve(false);
  return persisted;
}

/** The verdict for this browser's storage now (ok where it cannot tell). */
export async function checkQuota(bytesPerSecond: number, storage: Storage | undefined = browserStorage()): Promise<QuotaVerdict> {
  if (!storage?.estimate) return { kind: 'ok' };
  try {
    return quotaVerdict(await storage.estimate(), bytesPerSecond);
  } catch {
    return { kind: 'ok' };
  }
}
