import { RecordingsEntry } from './recording/RecordingsEntry.tsx';
import { useSignal } from '@preact/signals';
import type { TargetedEvent } from 'preact';
import { ROOM_PASSWORD_MIN_LENGTH } from '../../shared/protocol/passwordRule.ts';
import type { InitialMedia } from '../media/constraints.ts';
import type { RoomAccess } from '../models/session.ts';
import { startPreview, takePreview } from '../models/preview.ts';
import { joinError } from '../models/session.ts';
import { Field } from './Field.tsx';
import { InstallApp } from './InstallApp.tsx';
import { JoinPreview } from './JoinPreview.tsx';
import { PhoneLink } from './PhoneLink.tsx';
import { normalizeRoom, randomRoomName, roomFromPath, roomPath } from './roomLink.ts';

export type JoinRequest = { name: string; room: string; media: InitialMedia; access: RoomAccess };

const NAME_KEY = 'huddle.name';
const PASSWORD_NOTE = `At least ${ROOM_PASSWORD_MIN_LENGTH} characters. Locks a new room: its link alone no longer lets anyone in.`;

function rememberedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

/** The first screen: a name, a room (prefilled from a /r/<room> link), and Join. */
export function JoinScreen({ onJoin, busy }: { onJoin(request: JoinRequest): Promise<void>; busy: boolean }) {
  const fromLink = roomFromPath(location.pathname);
  const name = useSignal(rememberedName());
  const room = useSignal(fromLink || randomRoomName());
  const password = useSignal('');
  const problem = useSignal<string | null>(null);
  // An invite link (/r/<room>?invite=…) lets its holder into a room with a password.
  const invite = new URLSearchParams(location.search).get('invite') || undefined;

  async function submit(event: TargetedEvent<HTMLFormElement, SubmitEvent>): Promise<void> {
    event.preventDefault();
    const cleanName = name.value.trim();
    const cleanRoom = normalizeRoom(room.value);
    if (!cleanName) return void (problem.value = 'Enter your name so others know who you are.');
    if (!cleanRoom) return void (problem.value = 'Enter a room name: letters, digits, "-" or "_".');
    if (password.value && password.value.length < ROOM_PASSWORD_MIN_LENGTH) {
      return void (problem.value = `A room password needs at least ${ROOM_PASSWORD_MIN_LENGTH} characters.`);
    }
    problem.value = null;
    try {
      localStorage.setItem(NAME_KEY, cleanName);
    } catch {
      // Private mode: the name is simply not remembered.
    }
    const keepInvite = invite && cleanRoom === fromLink;
    history.replaceState(null, '', `${roomPath(cleanRoom)}${keepInvite ? location.search : ''}`);
    const access = { ...(keepInvite ? { invite } : {}), ...(password.value ? { password: password.value } : {}) };
    const media = takePreview();
    try {
      await onJoin({ name: cleanName, room: cleanRoom, media, access });
    } catch {
      problem.value = 'The app could not load. Check your connection and try again.';
      media.mic?.stop();
      media.cam?.stop();
      void startPreview();
    }
  }

  const error = problem.value ?? joinError.value;
  return (
    <main class="join">
      <form class="join-card" onSubmit={submit} noValidate>
        <h1 class="brand">
          <img src="/icon.svg" alt="" width={40} height={40} /> Huddle
        </h1>
        <p class="lede">{fromLink ? `You're invited to “${fromLink}”.` : 'Video calls that work on your phone.'}</p>
        <JoinPreview />
        <Field label="Name" name="name" autoComplete="name" maxLength={40} required value={name} placeholder="Your name" />
        <Field
          label="Room"
          name="room"
          autoCapitalize="none"
          autoCorrect="off"
          spellcheck={false}
          maxLength={64}
          required
          value={room}
          note="Anyone with this room's link can join, unless the room has a password."
        />
        {invite && room.value === fromLink ? (
          <p class="hint ok">Your invite link lets you in: no password needed.</p>
        ) : (
          <Field
            label="Password"
            type="password"
            name="room-password"
            autoComplete="off"
            maxLength={128}
            placeholder="Optional"
            value={password}
            note={PASSWORD_NOTE}
          />
        )}
        {!window.isSecureContext && (
          <p class="hint" role="note">
            This page is not on https, so your browser will not let it use the camera or microphone. Open the https://
            address instead.
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="primary" type="submit" disabled={busy} aria-busy={busy}>
          {busy && <span class="spinner" aria-hidden="true" />}
          Join
        </button>
        <PhoneLink room={normalizeRoom(room.value)} />
        <InstallApp />
      </form>
      <RecordingsEntry />
    </main>
  );
}
