import { camOn, canShareScreen, controls, micOn, screenOn } from '../../models/localMedia.ts';
import { ChatButton } from '../chat/ChatButton.tsx';
import { RecordButton } from '../recording/RecordButton.tsx';
import { Toggle } from '../Toggle.tsx';
import { CameraIcon, LeaveIcon, MicIcon, ScreenIcon } from './icons.tsx';

/** The buttons at the bottom, in thumb reach. Each toggle says its state with aria-pressed and a slashed icon. */
export function ControlBar() {
  const actions = controls.value;
  const canShare = canShareScreen.value;
  return (
    <nav class="controls" aria-label="Call controls">
      <Toggle
        label="Microphone"
        kind="av"
        pressed={micOn.value}
        hint={micOn.value ? 'Mute microphone' : 'Unmute microphone'}
        onToggle={() => void actions?.toggleMic()}
      >
        <MicIcon off={!micOn.value} />
      </Toggle>
      <Toggle
        label="Camera"
        kind="av"
        pressed={camOn.value}
        hint={camOn.value ? 'Turn camera off' : 'Turn camera on'}
        onToggle={() => void actions?.toggleCam()}
      >
        <CameraIcon off={!camOn.value} />
      </Toggle>
      <Toggle
        label="Share screen"
        kind="share"
        pressed={screenOn.value}
        disabled={!canShare}
        hint={!canShare ? 'This browser cannot share its screen' : screenOn.value ? 'Stop sharing' : 'Share your screen'}
        onToggle={() => void actions?.toggleScreen()}
      >
        <ScreenIcon />
      </Toggle>
      <RecordButton />
      <ChatButton />
      <button type="button" class="round leave" aria-label="Leave" title="Leave the call" onClick={() => void actions?.leave()}>
        <LeaveIcon />
      </button>
    </nav>
  );
}
