import { useSignal } from '@preact/signals';
import { participants } from '../../models/participants.ts';
import { connection, roomName, type ConnectionState } from '../../models/session.ts';
import { roomPath } from '../roomLink.ts';
import { LinkIcon } from './icons.tsx';

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  unreachable: "Can't reach the server — retrying",
};

/** The top line: room, who is here, and the connection state, always visible. */
export function StatusBar() {
  const copied = useSignal(false);
  const count = participants.value.size;

  async function share(): Promise<void> {
    const url = `${location.origin}${roomPath(roomName.value)}`;
    try {
      if (navigator.share && matchMedia('(pointer: coarse)').matches) {
        await navigator.share({ title: 'Join my call', url });
        return;
      }
      await navigator.clipboard.writeText(url);
      copied.value = true;
      setTimeout(() => (copied.value = false), 2000);
    } catch {
      // Share sheet dismissed or clipboard refused: nothing to report.
    }
  }

  return (
    <header class="status-bar">
      <div class="room-title">
        <strong>{roomName.value}</strong>
        <span class="people">{count === 1 ? 'Just you' : `${count} people`}</span>
      </div>
      <span class={`connection connection-${connection.value}`} role="status" aria-live="polite">
        <span class="dot" aria-hidden="true" />
        {CONNECTION_TEXT[connection.value]}
      </span>
      <button type="button" class="chip" onClick={() => void share()} aria-label="Share invite link">
        <LinkIcon />
        <span>{copied.value ? 'Copied' : 'Invite'}</span>
      </button>
    </header>
  );
}
