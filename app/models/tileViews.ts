import { signal } from '@preact/signals';

/** How one remote tile's video is drawn right now. */
export type TileView = {
  /** The width in device pixels the picture is drawn at (larger than the tile when it is cropped to cover it). */
  drawnWidth: number;
  /** Any part of it in view (not scrolled off, not hidden by the layout). */
  visible: boolean;
};

/** Remote tiles by tile key (`<peerId>:cam|screen`), as the tiles measure themselves. Replaced on change. */
export const tileViews = signal<ReadonlyMap<string, TileView>>(new Map());

export function setTileView(key: string, view: TileView): void {
  const current = tileViews.value.get(key);
  if (current?.drawnWidth === view.drawnWidth && current.visible === view.visible) return;
  tileViews.value = new Map(tileViews.value).set(key, view);
}

export function removeTileView(key: string): void {
  if (!tileViews.value.has(key)) return;
  const next = new Map(tileViews.value);
  next.delete(key);
  tileViews.value = next;
}
