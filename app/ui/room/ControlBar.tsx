import { camOn, canShareScreen, controls, micOn, screenOn } from '../../models/localMedia.ts';
import { CameraIcon, LeaveIcon, MicIcon, ScreenIcon } from './icons.tsx';

/** The buttons at the bottom, in thumb reach. Each toggle says its state with aria-pressed and a slashed icon. */
export function ControlBar() {
  const actions = controls.value;
  const shareUnavailable = !canShareScreen.value;
  return (
    <nav class="controls" aria-label="Call controls">
      <button
        type="button"
        class="round av"
        aria-label="Microphone"
        aria-pressed={micOn.value}
        title={micOn.value ? 'Mute microphone' : 'Unmute microphone'}
        onClick={() => void actions?.toggleMic()}
      >
        <MicIcon off={!micOn.value} />
      </button>
      <button
        type="button"
        class="round av"
        aria-label="Camera"
        aria-pressed={camOn.value}
        title={camOn.value ? 'Turn camera off' : 'Turn camera on'}
        onClick={() => void actions?.toggleCam()}
      >
        <CameraIcon off={!camOn.value} />
      </button>
      <button
        type="button"
        class="round share"
        aria-label="Share screen"
        aria-pressed={screenOn.value}
        disabled={shareUnavailable}
        title={shareUnavailable ? 'This browser cannot share its screen' : screenOn.value ? 'Stop sharing' : 'Share your screen'}
        onClick={() => void actions?.toggleScreen()}
      >
        <ScreenIcon />
      </button>
      <button type="button" class="round leave" aria-label="Leave" title="Leave the call" onClick={() => void actions?.leave()}>
        <LeaveIcon />
      </button>
    </nav>
  );
}
