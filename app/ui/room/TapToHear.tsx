import { blockedPlayback, playBlocked } from '../../models/playback.ts';
import { SpeakerIcon } from './icons.tsx';

/** Shown while the browser holds the call's sound back until a tap (iOS, listening without camera or microphone). */
export function TapToHear() {
  if (blockedPlayback.value.size === 0) return null;
  return (
    <button type="button" class="primary tap-to-hear" onClick={playBlocked}>
      <SpeakerIcon />
      Tap to hear
    </button>
  );
}
