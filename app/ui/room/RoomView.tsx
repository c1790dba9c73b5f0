import { chatOpen } from '../../models/chat.ts';
import { notice } from '../../models/session.ts';
import { ChatPanel } from '../chat/ChatPanel.tsx';
import { OfferToast } from '../files/OfferToast.tsx';
import { ControlBar } from './ControlBar.tsx';
import { RemoteAudio } from './RemoteAudio.tsx';
import { StatusBar } from './StatusBar.tsx';
import { TapToHear } from './TapToHear.tsx';
import { TileGrid } from './TileGrid.tsx';

export function RoomView() {
  return (
    <main class={chatOpen.value ? 'room chat-open' : 'room'}>
      <StatusBar />
      {notice.value && (
        <div class="notice" role="alert">
          <span>{notice.value}</span>
          <button type="button" class="chip" onClick={() => (notice.value = null)}>
            Dismiss
          </button>
        </div>
      )}
      <OfferToast />
      <TileGrid />
      <ChatPanel />
      <TapToHear />
      <ControlBar />
      <RemoteAudio />
    </main>
  );
}
