import { useRef } from 'preact/hooks';
import { selfPeerId } from '../../models/annotations.ts';
import { connectionQualities } from '../../models/connectionQuality.ts';
import type { Tile as TileModel } from '../../models/participants.ts';
import { AnnotationLayer } from '../annotations/AnnotationLayer.tsx';
import { MicIcon } from './icons.tsx';
import { TrackVideo } from '../MediaElement.tsx';
import { ConnectionBars } from './ConnectionBars.tsx';
import { useTileView } from './useTileView.ts';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return (parts.length > 1 ? `${parts[0]?.[0] ?? ''}${parts.at(-1)?.[0] ?? ''}` : name.slice(0, 2)).toUpperCase();
}

/**
 * One person's camera (or their initials when it is off), or one shared screen. Labelled "<name> camera|screen".
 * The speaker's camera wears a ring, is `aria-current` and says "speaking" to a screen reader; `featured` draws it
 * large (first, full width) by CSS alone, so no video restarts.
 */
export function Tile(props: { tile: TileModel; variant?: 'pip'; speaking?: boolean; featured?: boolean }) {
  const { tile, variant, speaking, featured } = props;
  const { participant, source, track } = tile;
  const ref = useRef<HTMLElement>(null);
  const fit = source === 'screen' ? 'contain' : 'cover';
  // A remote video's size and visibility choose what the server sends it; our own preview costs no download.
  useTileView(ref, tile.key, fit, !participant.isLocal);
  const quality = source === 'cam' ? connectionQualities.value.get(participant.id) : undefined;
  const classes = ['tile', `tile-${source}`];
  if (variant) classes.push(`tile-${variant}`);
  if (!participant.connected) classes.push('tile-away');
  if (speaking) classes.push('tile-speaking');
  if (featured) classes.push('tile-featured');
  const label = `${participant.name} ${source === 'cam' ? 'camera' : 'screen'}`;
  const who = participant.isLocal ? `${participant.name} (you)` : participant.name;
  return (
    <figure
      ref={ref}
      class={classes.join(' ')}
      aria-label={label}
      aria-current={speaking ? 'true' : undefined}
      data-peer={participant.id}
    >
      <TrackVideo track={track} mirrored={participant.isLocal && source === 'cam'} fit={fit} />
      {source === 'screen' && <AnnotationLayer board={participant.isLocal ? selfPeerId.value : participant.id} />}
      {!track && (
        <div class="avatar" aria-hidden="true">
          {initials(participant.name)}
        </div>
      )}
      <figcaption class="tile-name">
        {source === 'cam' && participant.micMuted && (
          <span class="muted-badge" title="Microphone off">
            <MicIcon off />
          </span>
        )}
        {source === 'screen' ? `${who}'s screen` : who}
        {speaking && <span class="visually-hidden">, speaking</span>}
      </figcaption>
      {quality && <ConnectionBars quality={quality} name={participant.name} />}
      {!participant.connected && <div class="tile-status">Reconnecting…</div>}
    </figure>
  );
}
