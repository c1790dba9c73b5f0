import { useSignalEffect } from '@preact/signals';
import { chatOpen } from '../../models/chat.ts';
import { recordingsOpen, recordingWarning } from '../../models/recording.ts';
import { notice } from '../../models/session.ts';
import { ChatPanel } from '../chat/ChatPanel.tsx';
import { OfferToast } from '../files/OfferToast.tsx';
import { RecordingsPanel } from '../recording/RecordingsPanel.tsx';
import { ControlBar } from './ControlBar.tsx';
import { RemoteAudio } from './RemoteAudio.tsx';
import { StatusBar } from './StatusBar.tsx';
import { TapToHear } from './TapToHear.tsx';
import { TileGrid } from './TileGrid.tsx';

export function RoomView() {
  // The chat and the recordings are sheets in the same place: opening one closes the other.
  useSignalEffect(() => {
    if (chatOpen.value) recordingsOpen.value = false;
  });
  return (
    <main class={chatOpen.value ? 'room chat-open' : 'room'}>
      <StatusBar />
      <div class="notices">
        {notice.value && (
          <div class="notice" role="alert">
            <span>{notice.value}</span>
            <button type="button" class="chip" onClick={() => (notice.value = null)}>
              Dismiss
            </button>
          </div>
        )}
        {recordingWarning.value && (
          <div class="notice" role="alert">
            <span>{recordingWarning.value}</span>
            <button type="button" class="chip" onClick={() => (recordingWarning.value = null)}>
              Dismiss
            </button>
          </div>
        )}
      </div>
      <OfferToast />
      <TileGrid />
      <ChatPanel />
      <RecordingsPanel />
      <TapToHear />
      <ControlBar />
      <RemoteAudio />
    </main>
  );
}
