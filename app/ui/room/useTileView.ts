import { useEffect } from 'preact/hooks';
import { removeTileView, setTileView } from '../../models/tileViews.ts';

/** A camera's shape until its first frame says otherwise. */
const DEFAULT_ASPECT = 16 / 9;

/**
 * Measures a remote tile's video as drawn (ResizeObserver, in device pixels) and whether any of it is in view
 * (IntersectionObserver: a tile scrolled off or laid out of sight is not), into the tileViews model, from which
 * the call asks the server for the matching layer (app/call/tileViewReporter.ts).
 */
export function useTileView(ref: { current: HTMLElement | null }, key: string, fit: 'cover' | 'contain', enabled: boolean): void {
  useEffect(() => {
    const tile = ref.current;
    const video = tile?.querySelector('video');
    if (!enabled || !tile || !video) return;
    let box = { width: 0, height: 0 };
    let visible = true;
    const report = () => {
      const aspect = video.videoWidth > 0 && video.videoHeight > 0 ? video.videoWidth / video.videoHeight : DEFAULT_ASPECT;
      // Cropped to cover, the picture is drawn wider than the tile when the tile is narrower than the picture.
      const fromHeight = box.height * aspect;
      const drawnWidth = Math.round(fit === 'cover' ? Math.max(box.width, fromHeight) : Math.min(box.width, fromHeight));
      setTileView(key, { drawnWidth, visible });
    };
    const resize = new ResizeObserver(([entry]) => {
      if (!entry) return;
      const device = entry.devicePixelContentBoxSize?.[0];
      box = device
        ? { width: device.inlineSize, height: device.blockSize }
        : { width: entry.contentRect.width * devicePixelRatio, height: entry.contentRect.height * devicePixelRatio };
      report();
    });
    const view = new IntersectionObserver(([entry]) => {
      if (!entry) return;
      visible = entry.isIntersecting;
      report();
    });
    resize.observe(video);
    view.observe(tile);
    video.addEventListener('resize', report); // the picture's shape is known (or changed: a phone turned)
    return () => {
      resize.disconnect();
      view.disconnect();
      video.removeEventListener('resize', report);
      removeTileView(key);
    };
  }, [key, fit, enabled]);
}
