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
      <div class="preview-frame">
        <TrackVideo track={camera} mirrored fit="cover" />
        {!camera && <p class="preview-off">{joinWithCam.value ? 'Starting camera…' : 'Camera is off'}</p>}
        <div class="preview-controls">
          <button
            type="button"
            class="round av small"
            aria-label="Mic"
            aria-pressed={joinWithMic.value}
            title={joinWithMic.value ? 'You will join unmuted' : 'You will join muted'}
            onClick={togglePreviewMic}
          >
            <MicIcon off={!joinWithMic.value} />
          </button>
          <button
            type="button"
            class="round av small"
            aria-label="Video"
            aria-pressed={joinWithCam.value}
            title={joinWithCam.value ? 'You will join with your camera on' : 'You will join with your camera off'}
            onClick={() => void togglePreviewCam()}
          >
            <CameraIcon off={!joinWithCam.value} />
          </button>
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
