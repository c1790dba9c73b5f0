import { useEffect, useRef } from 'preact/hooks';
import { markPlaybackBlocked, markPlaybackFine } from '../models/playback.ts';

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
    if (!track) return;
    // The browser may refuse to play without a tap (iOS, when this page captures nothing): say so, so the room
    // can offer "Tap to hear". A refusal for any other reason (a newer track replaced this one) is not that.
    element.play().then(
      () => markPlaybackFine(element),
      (error: unknown) => {
        if (error instanceof DOMException && error.name === 'NotAllowedError') markPlaybackBlocked(element);
      },
    );
    const playing = () => markPlaybackFine(element);
    element.addEventListener('playing', playing);
    return () => {
      element.removeEventListener('playing', playing);
      markPlaybackFine(element);
    };
  }, [track]);
}
