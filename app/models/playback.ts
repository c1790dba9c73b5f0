import { signal } from '@preact/signals';

/**
 * Media elements whose `play()` the browser refused until the person taps. iOS Safari plays call audio without a
 * tap only while the page itself captures, so someone who joins with microphone and camera off hears nothing until
 * then; the room shows a "Tap to hear" button while this set is not empty.
 */
export const blockedPlayback = signal<ReadonlySet<HTMLMediaElement>>(new Set());

export function markPlaybackBlocked(element: HTMLMediaElement): void {
  if (blockedPlayback.value.has(element)) return;
  blockedPlayback.value = new Set([...blockedPlayback.value, element]);
}

export function markPlaybackFine(element: HTMLMediaElement): void {
  if (!blockedPlayback.value.has(element)) return;
  const next = new Set(blockedPlayback.value);
  next.delete(element);
  blockedPlayback.value = next;
}

/** Plays every held-back element. Call it from the tap's own handler: that tap is what lets them play. */
export function playBlocked(): void {
  for (const element of blockedPlayback.value) {
    element.play().then(
      () => markPlaybackFine(element),
      () => {}, // still refused: the button stays for another tap
    );
  }
}
