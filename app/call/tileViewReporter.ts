import { effect } from '@preact/signals';
import { spatialLayerForWidth } from '../../shared/videoLayers.ts';
import { recordingSince } from '../models/recording.ts';
import { tileViews, type TileView } from '../models/tileViews.ts';
import type { SignalingClient } from '../net/signaling.ts';

/** Resizes and scrolls settle for this long before the server hears of them (a rotating phone, a flick). */
const SETTLE_MS = 300;

/** A video consumer and the tile that shows it. */
export type ReceivedVideo = { consumerId: string; tileKey: string };
type Sent = { spatialLayer: number; visible: boolean };

/**
 * Tells the server how each received video is shown (`setConsumerView`), from the tiles' own measurements: the
 * layer their drawn size needs, and whether they are in view (out of view: paused on the server). Only changes
 * are sent; a tile coming back into view is sent at once (its picture must not stay black), the rest after
 * SETTLE_MS. While this page records, every consumer stays on (the recorder draws them all), the unseen ones at
 * the smallest layer.
 */
export class TileViewReporter {
  readonly #signaling: SignalingClient;
  readonly #received: () => ReceivedVideo[];
  readonly #sent = new Map<string, Sent>();
  readonly #stop: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(signaling: SignalingClient, received: () => ReceivedVideo[]) {
    this.#signaling = signaling;
    this.#received = received;
    this.#stop = effect(() => {
      void tileViews.value;
      void recordingSince.value;
      this.changed();
    });
  }

  /** Something changed (a tile, the recording, the set of consumers): flush now if a tile came into view. */
  changed(): void {
    const comingBack = this.#wanted().some(([consumerId, wanted]) => wanted.visible && this.#sent.get(consumerId)?.visible === false);
    if (comingBack) return this.#flush();
    this.#timer ??= setTimeout(() => this.#flush(), SETTLE_MS);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#stop();
  }

  #wanted(): [string, Sent][] {
    const views = tileViews.value;
    const recording = recordingSince.value !== null;
    const wanted: [string, Sent][] = [];
    for (const { consumerId, tileKey } of this.#received()) {
      const view: TileView | undefined = views.get(tileKey);
      if (!view) continue; // not drawn yet: the server's default (the top layer, on) stands
      const shown = view.visible && view.drawnWidth > 0;
      wanted.push([consumerId, { spatialLayer: shown ? spatialLayerForWidth(view.drawnWidth) : 0, visible: shown || recording }]);
    }
    return wanted;
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const wanted = this.#wanted();
    const live = new Set(wanted.map(([consumerId]) => consumerId));
    for (const consumerId of this.#sent.keys()) if (!live.has(consumerId)) this.#sent.delete(consumerId);
    for (const [consumerId, view] of wanted) {
      const sent = this.#sent.get(consumerId);
      if (sent?.spatialLayer === view.spatialLayer && sent.visible === view.visible) continue;
      this.#sent.set(consumerId, view);
      this.#signaling.request('setConsumerView', { consumerId, ...view }).catch(() => {
        // Gone meanwhile (closed, or a new session), or the socket dropped: the next change sends it again.
        if (this.#sent.get(consumerId) === view) this.#sent.delete(consumerId);
      });
    }
  }
}
