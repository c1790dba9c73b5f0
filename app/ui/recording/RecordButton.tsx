import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { recordingActions, recordingSince, recordingWarning } from '../../models/recording.ts';
import { formatClock } from './format.ts';

/**
 * Starts and stops recording this call. Its name stays exactly "Record"; aria-pressed says whether it records, and
 * the elapsed time shows beside it (read out as its description) while it does.
 */
export function RecordButton() {
  const since = recordingSince.value;
  const actions = recordingActions.value;
  const busy = useSignal(false);
  const now = useSignal(Date.now());
  useEffect(() => {
    if (since === null) return;
    now.value = Date.now();
    const timer = setInterval(() => (now.value = Date.now()), 500);
    return () => clearInterval(timer);
  }, [since]);

  async function toggle(): Promise<void> {
    if (!actions || busy.value) return;
    busy.value = true;
    try {
      if (since !== null) await actions.stop();
      else {
        const refused = await actions.start();
        if (refused) recordingWarning.value = refused;
      }
    } finally {
      busy.value = false;
    }
  }

  const recording = since !== null;
  return (
    <span class="record-toggle">
      <button
        type="button"
        class="round record"
        aria-label="Record"
        aria-pressed={recording}
        aria-describedby={recording ? 'record-elapsed' : undefined}
        title={recording ? 'Stop recording' : 'Record this call on this device'}
        disabled={!actions}
        onClick={() => void toggle()}
      >
        <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">
          {recording ? <rect x="7" y="7" width="10" height="10" rx="2" fill="currentColor" /> : <circle cx="12" cy="12" r="6" fill="currentColor" />}
          <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="2" />
        </svg>
      </button>
      {recording && (
        <span id="record-elapsed" class="record-elapsed">
          <span class="visually-hidden">Recording, </span>
          {formatClock(now.value - since)}
        </span>
      )}
    </span>
  );
}
