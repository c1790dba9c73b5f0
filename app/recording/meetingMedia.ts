import { effect } from '@preact/signals';
import { participants } from '../models/participants.ts';
import { AudioMix } from './audioMix.ts';
import { Compositor, type CompositorOptions, type CompositorStats } from './compositor.ts';

/** The two tracks a recording is made of, and how to let them go. */
export interface RecordingMedia {
  readonly video: MediaStreamTrack;
  readonly audio: MediaStreamTrack;
  /** The compositor's timing, for the bench and the tests. */
  stats(resetPeaks?: boolean): CompositorStats;
  /** Stops the compositor and the mix (their own tracks and clones only; the call's tracks stay live). */
  close(): void;
}

/** The meeting's picture (compositor.ts) and sound (audioMix.ts), following `participants` as people come and go. */
export function openMeetingMedia(options: CompositorOptions = {}): RecordingMedia {
  const mix = new AudioMix();
  const stopSync = effect(() => mix.sync(participants.value.values()));
  let compositor: Compositor;
  try {
    compositor = new Compositor({ ...options, levels: () => mix.levels() });
  } catch (error) {
    stopSync();
    mix.close();
    throw error;
  }
  return {
    video: compositor.track,
    audio: mix.track,
    stats: (resetPeaks) => compositor.stats(resetPeaks),
    close() {
      stopSync();
      compositor.close();
      mix.close();
    },
  };
}
