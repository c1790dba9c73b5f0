import { recordings, recordingsOpen, recordingWarning } from '../../models/recording.ts';
import { RecordingsButton } from './RecordingsButton.tsx';
import { RecordingsPanel } from './RecordingsPanel.tsx';

/** On the join screen: the recordings on this device (recovered ones included), when there are any. */
export function RecordingsEntry() {
  if (recordings.value.length === 0 && !recordingsOpen.value) return null;
  return (
    <div class="recordings-entry">
      {recordingWarning.value && (
        <p class="hint" role="status">
          {recordingWarning.value}
        </p>
      )}
      <RecordingsButton withText />
      <RecordingsPanel />
    </div>
  );
}
