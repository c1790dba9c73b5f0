import { setChatOpen } from '../../models/chat.ts';
import { recordings, recordingsOpen } from '../../models/recording.ts';

/** Opens and closes the list of recordings on this device. Its name is exactly "Recordings". */
export function RecordingsButton({ withText = false }: { withText?: boolean }) {
  const open = recordingsOpen.value;
  const recovered = recordings.value.filter((recording) => recording.state === 'recovered').length;
  return (
    <button
      type="button"
      class="chip recordings-button"
      aria-label="Recordings"
      aria-expanded={open}
      aria-controls={open ? 'recordings-panel' : undefined}
      title={open ? 'Close recordings' : 'Recordings on this device'}
      onClick={() => {
        if (!open) setChatOpen(false);
        recordingsOpen.value = !open;
      }}
    >
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
        <rect x="3" y="6" width="13" height="12" rx="2" />
        <path d="M16 10l5-3v10l-5-3z" stroke-linejoin="round" />
      </svg>
      {withText && <span aria-hidden="true">Recordings</span>}
      {recovered > 0 && <span class="recordings-dot" aria-hidden="true" />}
    </button>
  );
}
