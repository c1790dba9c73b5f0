import { useSignal } from '@preact/signals';
import { controls } from '../../models/localMedia.ts';
import { participants } from '../../models/participants.ts';
import { connection, notice, roomLocked, roomName, type ConnectionState } from '../../models/session.ts';
import { RecordingsButton } from '../recording/RecordingsButton.tsx';
import { recordings, recordingSince } from '../../models/recording.ts';
import { roomPath } from '../roomLink.ts';
import { LinkIcon } from './icons.tsx';

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  unreachable: "Offline: can't reach the server — retrying",
};

/** The top line: room, who is here, and the connection state, always visible. */
export function StatusBar() {
  const copied = useSignal(false);
  const count = participants.value.size;

  async function share(): Promise<void> {
    let url = `${location.origin}${roomPath(roomName.value)}`;
    try {
      url = (await controls.value?.inviteLink()) ?? url;
      if (navigator.share && matchMedia('(pointer: coarse)').matches) {
        await navigator.share({ title: 'Join my call', url });
        return;
      }
      await navigator.clipboard.writeText(url);
      copied.value = true;
      setTimeout(() => (copied.value = false), 2000);
    } catch (error) {
      // The share sheet was dismissed: fine. No clipboard (plain http on a LAN): show the link to copy by hand.
      if (!(error instanceof DOMException && error.name === 'AbortError')) notice.value = `Invite with this link: ${url}`;
    }
  }

  return (
    <header class="status-bar">
      <div class="room-title">
        <strong>{roomName.value}</strong>
        <span class="people">
          {count === 1 ? 'Just you' : `${count} people`}
          {roomLocked.value && ' · locked'}
        </span>
      </div>
      <span class={`connection connection-${connection.value}`} role="status" aria-live="polite">
        <span class="dot" aria-hidden="true" />
        {CONNECTION_TEXT[connection.value]}
      </span>
      {hasRecordingsToList() && <RecordingsButton />}
      <button type="button" class="chip" onClick={() => void share()} aria-label="Share invite link">
        <LinkIcon />
        <span>{copied.value ? 'Copied' : 'Invite'}</span>
      </button>
    </header>
  );
}

/** The list has something besides the recording being made right now (that one is saved once stopped). */
function hasRecordingsToList(): boolean {
  const since = recordingSince.value;
  return recordings.value.some((recording) => recording.state !== 'recording' || since === null);
}
