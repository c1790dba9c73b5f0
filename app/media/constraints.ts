/** What we ask the camera and microphone for, in the join preview and in the call alike. */
export const CAMERA_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  facingMode: 'user',
};

export const MIC_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** Tracks the join screen already holds, handed to the call so nobody is asked twice. */
export type InitialMedia = {
  mic: MediaStreamTrack | null;
  cam: MediaStreamTrack | null;
  /** Join muted: the microphone track is kept (unmuting is instant) but sends nothing. */
  micOn: boolean;
  /** Join with the camera off: no camera track is opened. */
  camOn: boolean;
};
