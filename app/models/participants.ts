import { computed, signal } from '@preact/signals';
import type { MediaSource } from '../../shared/protocol/index.ts';

export type Participant = {
  id: string;
  name: string;
  isLocal: boolean;
  /** False while the person's connection dropped and the server waits for them to come back. */
  connected: boolean;
  cam: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  mic: MediaStreamTrack | null;
  micMuted: boolean;
};

export type Tile = {
  key: string;
  participant: Participant;
  source: Extract<MediaSource, 'cam' | 'screen'>;
  track: MediaStreamTrack | null;
};

/** Everyone in the call, the local person included, in join order. Replaced (never mutated) on change. */
export const participants = signal<ReadonlyMap<string, Participant>>(new Map());

/**
 * The participant speaking now (the server's `activeSpeaker`; the local person under their local id), or null.
 * Someone who leaves stops being it at once, even before the server names the next one.
 */
export const activeSpeakerId = signal<string | null>(null);

export function upsertParticipant(id: string, patch: Partial<Participant> & Pick<Participant, 'name'>): void;
export function upsertParticipant(id: string, patch: Partial<Participant>): void;
export function upsertParticipant(id: string, patch: Partial<Participant>): void {
  const next = new Map(participants.value);
  const current = next.get(id);
  if (!current && patch.name === undefined) return;
  next.set(id, {
    id,
    name: '',
    isLocal: false,
    connected: true,
    cam: null,
    screen: null,
    mic: null,
    micMuted: true,
    ...current,
    ...patch,
  });
  participants.value = next;
}

export function removeParticipant(id: string): void {
  if (!participants.value.has(id)) return;
  const next = new Map(participants.value);
  next.delete(id);
  participants.value = next;
  if (activeSpeakerId.value === id) activeSpeakerId.value = null;
}

export function clearParticipants(): void {
  participants.value = new Map();
  activeSpeakerId.value = null;
}

/** One camera tile per person (their face, or their initials when the camera is off), plus one per shared screen. */
export const tiles = computed<Tile[]>(() => {
  const screens: Tile[] = [];
  const cameras: Tile[] = [];
  for (const participant of participants.value.values()) {
    cameras.push({ key: `${participant.id}:cam`, participant, source: 'cam', track: participant.cam });
    if (participant.screen) {
      screens.push({ key: `${participant.id}:screen`, participant, source: 'screen', track: participant.screen });
    }
  }
  return [...screens, ...cameras];
});
