import { useEffect } from 'preact/hooks';
import {
  joinWithCam,
  joinWithMic,
  previewCam,
  previewProblem,
  startPreview,
  stopPreview,
  togglePreviewCam,
  togglePreviewMic,
} from '../models/preview.ts';
import { TrackVideo } from './MediaElement.tsx';
import { CameraIcon, MicIcon } from './room/icons.tsx';
import { Toggle } from './Toggle.tsx';

/** How you will look when you join, with the choice to join muted or with the camera off. */
export function JoinPreview() {
  useEffect(() => {
    void startPreview();
    // Leaving the join screen without joining lets go of the camera; joining took the tracks already.
    return stopPreview;
  }, []);

  const camera = previewCam.value;
  return (
    <div class="preview">
      <div class="preview-frame" role="group" aria-label="Camera preview">
        <TrackVideo track={camera} mirrored fit="cover" />
        {!camera && <p class="preview-off">{joinWithCam.value ? 'Starting camera…' : 'Camera is off'}</p>}
        <div class="preview-controls">
          <Toggle
            label="Mic"
            kind="av"
            small
            pressed={joinWithMic.value}
            hint={joinWithMic.value ? 'You will join unmuted' : 'You will join muted'}
            onToggle={togglePreviewMic}
          >
            <MicIcon off={!joinWithMic.value} />
          </Toggle>
          <Toggle
            label="Video"
            kind="av"
            small
            pressed={joinWithCam.value}
            hint={joinWithCam.value ? 'You will join with your camera on' : 'You will join with your camera off'}
            onToggle={() => void togglePreviewCam()}
          >
            <CameraIcon off={!joinWithCam.value} />
          </Toggle>
        </div>
      </div>
      {previewProblem.value && (
        <p class="hint" role="note">
          {previewProblem.value}
        </p>
      )}
    </div>
  );
}
