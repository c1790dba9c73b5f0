import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { tiles } from '../../models/participants.ts';
import { bestGrid } from './gridLayout.ts';
import { Tile } from './Tile.tsx';

/**
 * Lays out the tiles: with one other person, they fill the screen and you float in a corner; with a shared
 * screen, it takes the stage and cameras sit in a strip; otherwise a grid sized to the space.
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
  const screens = all.filter((tile) => tile.source === 'screen');
  const cameras = all.filter((tile) => tile.source === 'cam');

  if (screens.length > 0) {
    const { columns, rows } = bestGrid(screens.length, size.value.width, size.value.height * 0.75);
    return (
      <div class="stage-layout" ref={ref}>
        <div class="grid stage" style={{ '--columns': columns, '--rows': rows }}>
          {screens.map((tile) => <Tile key={tile.key} tile={tile} />)}
        </div>
        <div class="strip">
          {cameras.map((tile) => <Tile key={tile.key} tile={tile} />)}
        </div>
      </div>
    );
  }

  const self = cameras.find((tile) => tile.participant.isLocal);
  if (cameras.length === 2 && self) {
    const other = cameras.find((tile) => tile !== self);
    return (
      <div class="grid" ref={ref} style={{ '--columns': 1, '--rows': 1 }}>
        {other && <Tile key={other.key} tile={other} />}
        <Tile key={self.key} tile={self} variant="pip" />
      </div>
    );
  }

  const { columns, rows } = bestGrid(cameras.length, size.value.width, size.value.height);
  return (
    <div class="grid" ref={ref} style={{ '--columns': columns, '--rows': rows }}>
      {cameras.map((tile) => <Tile key={tile.key} tile={tile} />)}
    </div>
  );
}
