import { useSignal } from '@preact/signals';
import type { ComponentType } from 'preact';
import { useEffect, useMemo } from 'preact/hooks';
import { joinError, phase } from '../models/session.ts';
import { loadSavedCall } from '../storage/savedCall.ts';
import { JoinScreen, type JoinRequest } from './JoinScreen.tsx';
import { roomFromPath } from './roomLink.ts';

type RoomModule = typeof import('../room/index.ts');

/**
 * A reload during a call: this tab's saved call, when the address is still that room's. The person goes straight
 * back in, as the same peer, with the camera and microphone as they were (the password is not kept: a resume
 * needs none; if the server has let the peer go, a locked room asks for it again).
 */
function callToRejoin(): JoinRequest | undefined {
  const saved = loadSavedCall();
  if (!saved || saved.room !== roomFromPath(location.pathname)) return undefined;
  const invite = new URLSearchParams(location.search).get('invite') || undefined;
  return {
    name: saved.name,
    room: saved.room,
    media: { mic: null, cam: null, micOn: saved.micOn, camOn: saved.camOn },
    access: invite ? { invite } : {},
  };
}

/**
 * The join screen ships in the first bundle, so a phone opening a link shows it as soon as possible. The room
 * (mediasoup-client, the call UI) follows once the join screen is idle: the service worker's precache fetches it
 * anyway, and parsing it before the person presses Join takes ~100 ms off the join (bench/RESULTS.md, "Join").
 */
export function App() {
  const room = useSignal<RoomModule | null>(null);
  const loading = useSignal(false);
  // Read once, before the first render, so the join screen (and its camera preview) never flashes on a rejoin.
  const rejoin = useSignal(useMemo(callToRejoin, []));

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

  useEffect(() => preloadWhenIdle(room), []);

  useEffect(() => {
    const request = rejoin.peek();
    if (!request) return;
    join(request)
      .catch(() => void (joinError.value = 'The app could not load. Check your connection and try again.'))
      .finally(() => void (rejoin.value = undefined));
  }, []);

  const RoomView: ComponentType | undefined = room.value?.RoomView;
  if (phase.value !== 'lobby' && RoomView) return <RoomView />;
  if (rejoin.value) {
    return (
      <main class="join">
        <p class="lede" role="status">
          Rejoining “{rejoin.value.room}”…
        </p>
      </main>
    );
  }
  return <JoinScreen onJoin={join} busy={loading.value} />;
}

/** Loads the room module when the page has nothing better to do; a failure is left for Join to report. */
function preloadWhenIdle(room: { value: RoomModule | null }): () => void {
  const load = () => void import('../room/index.ts').then((module) => (room.value ??= module), () => {});
  if ('requestIdleCallback' in window) {
    const handle = requestIdleCallback(load, { timeout: 2_000 });
    return () => cancelIdleCallback(handle);
  }
  const timer = setTimeout(load, 1_000); // Safari has no requestIdleCallback
  return () => clearTimeout(timer);
}
