/**
 * The call this tab is in, kept in sessionStorage (per tab, gone when the tab closes) so that a reload brings the
 * person back as the same peer, in the same room, with the camera and microphone as they were.
 */
export type SavedCall = {
  room: string;
  name: string;
  peerId: string;
  /** The resume token: proves to the server that this tab is that peer. */
  token: string;
  micOn: boolean;
  camOn: boolean;
};

const KEY = 'huddle.call';

/**
 * The saved call, when this page load is a reload. A duplicated tab (or one opened from this one) starts with a
 * copy of sessionStorage too; resuming there would take the peer over from the original tab, which would take it
 * back on its next reconnect, and so on.
 */
export function loadSavedCall(): SavedCall | undefined {
  if (!pageWasReloaded()) return undefined;
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return isSavedCall(value) ? value : undefined;
  } catch {
    return undefined; // storage blocked, or not JSON
  }
}

export function saveCall(call: SavedCall): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(call));
  } catch {
    // Storage blocked or full: a reload then joins as someone new, which still works.
  }
}

export function forgetCall(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was saved.
  }
}

function pageWasReloaded(): boolean {
  const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return navigation?.type === 'reload';
}

function isSavedCall(value: unknown): value is SavedCall {
  if (typeof value !== 'object' || value === null) return false;
  const call = value as Record<string, unknown>;
  return (
    ['room', 'name', 'peerId', 'token'].every((key) => typeof call[key] === 'string') &&
    typeof call.micOn === 'boolean' &&
    typeof call.camOn === 'boolean'
  );
}
