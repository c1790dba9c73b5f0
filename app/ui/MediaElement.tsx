import { useEffect, useRef } from 'preact/hooks';

/** A <video> (muted: sound comes from <audio>) or <audio> showing one track; swaps srcObject when the track changes. */
export function TrackVideo({ track, mirrored, fit }: { track: MediaStreamTrack | null; mirrored?: boolean; fit: 'cover' | 'contain' }) {
  const ref = useRef<HTMLVideoElement>(null);
  useTrack(ref, track);
  return (
    <video
      ref={ref}
      class={`tile-video fit-${fit}${mirrored ? ' mirrored' : ''}`}
      autoPlay
      playsInline
      muted
      hidden={!track}
    />
  );
}

export function TrackAudio({ track, peerId }: { track: MediaStreamTrack | null; peerId: string }) {
  const ref = useRef<HTMLAudioElement>(null);
  useTrack(ref, track);
  return <audio ref={ref} autoPlay data-peer={peerId} />;
}

function useTrack(ref: { current: HTMLMediaElement | null }, track: MediaStreamTrack | null): void {
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    element.srcObject = track ? new MediaStream([track]) : null;
    // Autoplay may be refused before any tap; the Join tap normally counts, so this rarely fails.
    if (track) element.play().catch(() => {});
  }, [track]);
}
