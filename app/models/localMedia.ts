import { signal } from '@preact/signals';

/** What the local person sends. The call controller owns the tracks; the UI reads these and calls `controls`. */
export const micOn = signal(false);
export const camOn = signal(false);
export const screenOn = signal(false);
/** getDisplayMedia exists (not on phones): the Share screen button explains itself when it does not. */
export const canShareScreen = signal(typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getDisplayMedia);

export type CallControls = {
  toggleMic(): Promise<void>;
  toggleCam(): Promise<void>;
  toggleScreen(): Promise<void>;
  leave(): Promise<void>;
  /** The link to invite someone: signed when the room has a password. */
  inviteLink(): Promise<string>;
};

/** Filled in by the call controller when a call starts; components only call these. */
export const controls = signal<CallControls | null>(null);
