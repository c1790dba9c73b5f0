/**
 * Keeps the phone's screen on during a call (Screen Wake Lock). The browser drops the lock whenever the page is
 * hidden, so it is taken again each time the page comes back. Returns a function that lets go.
 */
export function holdWakeLock(): () => void {
  if (!('wakeLock' in navigator)) return () => {};
  let sentinel: WakeLockSentinel | undefined;
  let released = false;
  const acquire = () => {
    if (released || document.visibilityState !== 'visible') return;
    navigator.wakeLock.request('screen').then(
      (lock) => {
        sentinel = lock;
        if (released) void lock.release();
      },
      () => {}, // refused (battery saver, unsupported context): the call works without it
    );
  };
  document.addEventListener('visibilitychange', acquire);
  acquire();
  return () => {
    released = true;
    document.removeEventListener('visibilitychange', acquire);
    void sentinel?.release();
  };
}
