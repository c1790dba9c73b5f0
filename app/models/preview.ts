import { signal } from '@preact/signals';
import { CAMERA_CONSTRAINTS, MIC_CONSTRAINTS, type InitialMedia } from '../media/constraints.ts';
import { describeMediaError } from '../media/errors.ts';

/*
 * The join screen's camera preview and the "join with microphone / camera" choices. The tracks it opens are handed
 * to the call on Join (`takePreview`), so the person is asked for permission once and the camera never blinks.
 */

export const previewCam = signal<MediaStreamTrack | null>(null);
export const previewMic = signal<MediaStreamTrack | null>(null);
export const joinWithMic = signal(true);
export const joinWithCam = signal(true);
/** Why there is no preview, in words (blocked, no camera, not https). */
export const previewProblem = signal<string | null>(null);

let generation = 0;

function canCapture(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia && window.isSecureContext;
}

/** Opens camera and microphone for the preview (what the person chose to join with). */
export async function startPreview(): Promise<void> {
  if (!canCapture()) return;
  const mine = ++generation;
  const wanted = { audio: joinWithMic.value ? MIC_CONSTRAINTS : false, video: joinWithCam.value ? CAMERA_CONSTRAINTS : false };
  if (!wanted.audio && !wanted.video) return;
  try {
    const stream = await navigator.mediaDevices.getUserMedia(wanted);
    if (mine !== generation) return void stream.getTracks().forEach((track) => track.stop());
    previewMic.value = stream.getAudioTracks()[0] ?? null;
    previewCam.value = stream.getVideoTracks()[0] ?? null;
    previewProblem.value = null;
  } catch (error) {
    if (mine === generation) previewProblem.value = describeMediaError(error, 'camera and microphone');
  }
}

/** Camera off in the preview releases the camera (its light goes off); on opens it again. */
export async function togglePreviewCam(): Promise<void> {
  joinWithCam.value = !joinWithCam.value;
  if (!joinWithCam.value) {
    previewCam.value?.stop();
    previewCam.value = null;
    return;
  }
  if (!canCapture()) return;
  const mine = generation;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: CAMERA_CONSTRAINTS });
    // Joined (or left the join screen) while the camera was being opened: nobody would ever stop this track.
    if (mine !== generation) return void stream.getTracks().forEach((track) => track.stop());
    previewCam.value = stream.getVideoTracks()[0] ?? null;
  } catch (error) {
    if (mine !== generation) return;
    joinWithCam.value = false;
    previewProblem.value = describeMediaError(error, 'camera');
  }
}

export function togglePreviewMic(): void {
  joinWithMic.value = !joinWithMic.value;
}

/** Hands the preview's tracks to the call; the preview forgets them (they are the call's to stop now). */
export function takePreview(): InitialMedia {
  generation++;
  const media = { mic: previewMic.value, cam: previewCam.value, micOn: joinWithMic.value, camOn: joinWithCam.value };
  previewMic.value = null;
  previewCam.value = null;
  return media;
}

/** The join screen went away without joining: let go of camera and microphone. */
export function stopPreview(): void {
  generation++;
  previewMic.value?.stop();
  previewCam.value?.stop();
  previewMic.value = null;
  previewCam.value = null;
}
