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
        {notice.value && <Notice text={notice.value} dismiss={() => (notice.value = null)} />}
        {recordingWarning.value && <Notice text={recordingWarning.value} dismiss={() => (recordingWarning.value = null)} />}
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

/** A problem in words over the call, until dismissed. */
function Notice({ text, dismiss }: { text: string; dismiss(): void }) {
  return (
    <div class="notice" role="alert">
      <span>{text}</span>
      <button type="button" class="chip" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
