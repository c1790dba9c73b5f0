/*
 * Which recordings a live recorder is writing, across tabs: a recorder holds a Web Lock named after its recording
 * for as long as it records, and the browser drops the lock when the tab crashes, is killed or reloads. So at
 * start-up a recording left `recording` whose lock nobody holds was cut short, and one whose lock is held is being
 * recorded in another tab right now (and must not be listed as recovered).
 */

/** Ends a hold (idempotent). */
export type ReleaseHold = () => void;

/** Holds recordings for a recorder, and tells which recordings are held anywhere. */
export interface RecordingHolder {
  hold(id: string): Promise<ReleaseHold>;
  /** The ids of `ids` that a live recorder (in any tab, or this one) holds. */
  held(ids: readonly string[]): Promise<Set<string>>;
  /** False where the browser has no Web Locks: `held` then only knows this page's recorders. */
  readonly seesOtherTabs: boolean;
}

const lockName = (id: string) => `huddle-recording-${id}`;

/** Holds in this page, for where the browser has no Web Locks (and underneath the locks: this page's own). */
const heldHere = new Set<string>();

/**
 * Without Web Locks another tab's recorder cannot be seen; a recording it writes is taken for live while its
 * newest write is this recent (a recorder writes a chunk every second), and for cut short once older.
 */
export const LIVE_WITHOUT_LOCKS_MS = 15_000;

/**
 * The Web Locks holder (`navigator.locks`), or one that only knows this page's recorders where the browser has none
 * (the store then takes a recently written recording for live: see LIVE_WITHOUT_LOCKS_MS).
 */
export function recordingHolder(locks: LockManager | null = globalThis.navigator?.locks ?? null): RecordingHolder {
  return {
    seesOtherTabs: locks !== null,
    async hold(id) {
      heldHere.add(id);
      if (!locks) return () => void heldHere.delete(id);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      // The lock is held for as long as the callback's promise is pending: until release(), or the tab dies.
      await new Promise<void>((acquired, failed) => {
        locks
          .request(lockName(id), () => {
            acquired();
            return released;
          })
          .catch(failed);
      });
      return () => {
        heldHere.delete(id);
        release();
      };
    },
    async held(ids) {
      const found = new Set(ids.filter((id) => heldHere.has(id)));
      if (!locks) return found;
      const snapshot = await locks.query();
      const names = new Set([...(snapshot.held ?? []), ...(snapshot.pending ?? [])].map((lock) => lock.name));
      for (const id of ids) if (names.has(lockName(id))) found.add(id);
      return found;
    },
  };
}

/**
 * Holds recording `id` (lock `huddle-recording-<id>`) until the returned function is called or the page goes away.
 *
 * @example const release = await holdRecording(id); … ; release();
 */
export function holdRecording(id: string): Promise<ReleaseHold> {
  return recordingHolder().hold(id);
}
