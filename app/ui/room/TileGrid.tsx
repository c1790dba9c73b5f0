import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { activeSpeakerId, tiles } from '../../models/participants.ts';
import { bestGrid, featuredGrid } from './gridLayout.ts';
import { Tile } from './Tile.tsx';

type Layout = 'grid' | 'pip' | 'stage';

/** From this many cameras (and no shared screen) the person speaking is drawn large, above the others. */
const FEATURE_FROM_CAMERAS = 3;

/**
 * Lays out the tiles: with one other person, they fill the screen and you float in a corner; with a shared
 * screen, it takes the stage and cameras sit in one row below that scrolls sideways when they do not all fit (the
 * ones scrolled off are paused, see useTileView.ts); otherwise a grid sized to the space. All tiles stay
 * children of one element whatever the layout, so a layout change never restarts a video.
 */
export function TileGrid() {
  const ref = useRef<HTMLDivElement>(null);
  const size = useSignal({ width: 390, height: 600 });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) size.value = { width: entry.contentRect.width, height: entry.contentRect.height };
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const all = tiles.value;
  const screens = all.filter((tile) => tile.source === 'screen').length;
  const cameras = all.length - screens;
  const layout: Layout = screens > 0 ? 'stage' : cameras === 2 && all.some((tile) => tile.participant.isLocal) ? 'pip' : 'grid';
  const speakerId = activeSpeakerId.value;
  // Yourself speaking gets the ring but not the stage: nobody needs their own face large.
  const speakerIsOther = all.some((tile) => tile.participant.id === speakerId && !tile.participant.isLocal);
  const featuredId = layout === 'grid' && cameras >= FEATURE_FROM_CAMERAS && speakerIsOther ? speakerId : null;
  const grid =
    layout === 'stage'
      ? { columns: Math.max(cameras, 1), rows: screens }
      : layout === 'pip'
        ? { columns: 1, rows: 1 }
        : featuredId
          ? featuredGrid(cameras - 1, size.value.width, size.value.height)
          : bestGrid(cameras, size.value.width, size.value.height);

  return (
    <div
      class={`tiles tiles-${layout}${featuredId ? ' tiles-featured' : ''}`}
      ref={ref}
      style={{ '--columns': grid.columns, '--rows': grid.rows, '--stage-width': `${size.value.width}px` }}
    >
      {all.map((tile) => (
        <Tile
          key={tile.key}
          tile={tile}
          variant={layout === 'pip' && tile.participant.isLocal ? 'pip' : undefined}
          speaking={tile.source === 'cam' && tile.participant.id === speakerId}
          featured={tile.source === 'cam' && tile.participant.id === featuredId}
        />
      ))}
    </div>
  );
}
