import { participants } from '../../models/participants.ts';
import { TrackAudio } from '../MediaElement.tsx';

/**
 * One <audio> per remote person, outside the tiles: the tile layout changes (a screen share starts, someone
 * joins) remount tiles, and sound must not stutter when that happens.
 */
export function RemoteAudio() {
  const speakers = [...participants.value.values()].filter((participant) => !participant.isLocal && participant.mic);
  return (
    <div hidden>
      {speakers.map((participant) => (
        <TrackAudio key={participant.id} track={participant.mic} peerId={participant.id} />
      ))}
    </div>
  );
}
