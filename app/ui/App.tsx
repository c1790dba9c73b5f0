import { useSignal } from '@preact/signals';
import type { ComponentType } from 'preact';
import { phase } from '../models/session.ts';
import { JoinScreen, type JoinRequest } from './JoinScreen.tsx';

type RoomModule = typeof import('../room/index.ts');

/**
 * The join screen ships in the first bundle; the room (mediasoup-client, the call UI) is fetched only when the
 * person presses Join, so a phone opening a link downloads as little as possible.
 */
export function App() {
  const room = useSignal<RoomModule | null>(null);
  const loading = useSignal(false);

  async function join(request: JoinRequest): Promise<void> {
    loading.value = true;
    try {
      const module = room.value ?? (await import('../room/index.ts'));
      room.value = module;
      await module.startCall(request.room, request.name, request.media, request.access);
    } finally {
      loading.value = false;
    }
  }

  const RoomView: ComponentType | undefined = room.value?.RoomView;
  if (phase.value !== 'lobby' && RoomView) return <RoomView />;
  return <JoinScreen onJoin={join} busy={loading.value} />;
}
