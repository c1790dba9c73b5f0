/*
 * Which simulcast layer each video consumer of one receiver may take, and how they rank, from what its tiles want
 * and what the server's bandwidth estimate toward that receiver allows. Pure (time is passed in): the mediasoup
 * glue is receiverQuality.ts.
 *
 * Why a cap of our own when mediasoup already picks layers by bandwidth: left alone it keeps the spatial layer and
 * drops temporal ones, so a 600 kbit/s phone gets the 640 px layer at 7–10 fps and stalls on every key frame. A
 * person prefers a smooth small picture; so the spatial layer is capped until it fits the estimate with room to
 * spare, and mediasoup then gives that layer at its full frame rate.
 */

/** What the sender's encodings carry when the producer does not say (app/call/localMedia.ts CAMERA_ENCODINGS). */
export const DEFAULT_LAYER_BITRATES = [150_000, 500_000, 1_200_000] as const;

/** mediasoup consumer priorities: a shared screen first, then the person speaking, then everyone else. */
export const PRIORITY = { screen: 3, speaker: 2, thumbnail: 1 } as const;

/** A layer already flowing is kept while everything fits in this share of the estimate... */
export const KEEP_SHARE = 0.85;
/** ...and a higher one is only taken when it fits in this smaller share (hysteresis: no flapping at the edge). */
export const RAISE_SHARE = 0.7;
/** After a layer was lowered, none is raised for this long: an estimate that dipped once recovers on probation... */
export const RAISE_HOLD_MS = 8_000;
/** ...doubled, up to this, each time a raise had to be undone within FAILED_RAISE_MS (a link that cannot hold it). */
export const MAX_RAISE_HOLD_MS = 64_000;
export const FAILED_RAISE_MS = 15_000;
/** A raise needs the estimate to allow it for this long: mediasoup's probes overshoot for a second at a time. */
export const RAISE_STEADY_MS = 3_000;

export type ConsumerDemand = {
  id: string;
  /** The highest spatial layer its tile wants (from the tile's size). */
  wanted: number;
  priority: number;
  /** Bit rate of each spatial layer, lowest first. */
  layerBitrates: readonly number[];
};

/**
 * The priority of a consumer of `source` whose owner is or is not the person speaking.
 * @example priorityOf('cam', true) // → PRIORITY.speaker
 */
export function priorityOf(source: 'cam' | 'screen', ownerIsSpeaking: boolean): number {
  if (source === 'screen') return PRIORITY.screen;
  return ownerIsSpeaking ? PRIORITY.speaker : PRIORITY.thumbnail;
}

/**
 * Caps for one receiver, kept between decisions (that is the hysteresis). `decide` is called whenever the estimate
 * or a demand changes and returns each consumer's highest allowed spatial layer.
 */
export class LayerCaps {
  readonly #caps = new Map<string, number>();
  #lastLoweredAt = -Infinity;
  #lastRaisedAt = -Infinity;
  #hold = RAISE_HOLD_MS;
  /** Since when every decision would have raised something; undefined while none would. */
  #raiseWantedSince: number | undefined;

  /**
   * `estimate`: the server's available outgoing bit rate toward this receiver (undefined before the first one: no
   * cap, the tiles decide). `reserved`: bit rate spoken for already (audio). Every consumer gets at least layer 0;
   * then, by priority, each is raised toward what it wants while the total fits.
   */
  decide(estimate: number | undefined, demands: readonly ConsumerDemand[], now: number, reserved = 0): Map<string, number> {
    if (estimate === undefined) {
      // Not remembered: the first real estimate then decides afresh, and is no "lowering" that holds raises back.
      return new Map(demands.map((demand) => [demand.id, demand.wanted]));
    }
    const budgets = { keep: estimate * KEEP_SHARE - reserved, raise: estimate * RAISE_SHARE - reserved };
    const hoped = this.#allocate(demands, budgets, true);
    const raises = [...hoped].some(([id, layer]) => layer > (this.#caps.get(id) ?? Infinity));
    if (!raises) this.#raiseWantedSince = undefined;
    else this.#raiseWantedSince ??= now;
    const steady = this.#raiseWantedSince !== undefined && now - this.#raiseWantedSince >= RAISE_STEADY_MS;
    const holding = now - this.#lastLoweredAt < this.#hold;
    const result = raises && (!steady || holding) ? this.#allocate(demands, budgets, false) : hoped;
    return this.#remember(result, now);
  }

  /** Forgets a consumer that closed. */
  drop(id: string): void {
    this.#caps.delete(id);
  }

  /**
   * Every consumer at layer 0, then by priority each raised while the total fits: in the keep budget up to the
   * layer it has now, in the smaller raise budget beyond (only when `mayRaise`; a new consumer always may).
   */
  #allocate(demands: readonly ConsumerDemand[], budgets: { keep: number; raise: number }, mayRaise: boolean): Map<string, number> {
    const result = new Map<string, number>();
    const ordered = [...demands].sort((a, b) => b.priority - a.priority || b.wanted - a.wanted);
    let total = ordered.reduce((sum, demand) => sum + bitrateOf(demand, 0), 0);
    for (const demand of ordered) {
      const previous = this.#caps.get(demand.id);
      let layer = 0;
      while (layer < Math.min(demand.wanted, demand.layerBitrates.length - 1)) {
        const next = layer + 1;
        const raising = previous === undefined || next > previous;
        if (raising && previous !== undefined && !mayRaise) break;
        const extra = bitrateOf(demand, next) - bitrateOf(demand, layer);
        if (total + extra > (raising ? budgets.raise : budgets.keep)) break;
        total += extra;
        layer = next;
      }
      result.set(demand.id, layer);
    }
    return result;
  }

  #remember(result: Map<string, number>, now: number): Map<string, number> {
    let lowered = false;
    let raised = false;
    for (const [id, layer] of result) {
      const previous = this.#caps.get(id);
      if (previous !== undefined && layer < previous) lowered = true;
      if (previous !== undefined && layer > previous) raised = true;
      this.#caps.set(id, layer);
    }
    if (raised) {
      this.#lastRaisedAt = now;
      this.#raiseWantedSince = undefined;
    }
    if (lowered) {
      this.#hold = now - this.#lastRaisedAt < FAILED_RAISE_MS ? Math.min(this.#hold * 2, MAX_RAISE_HOLD_MS) : RAISE_HOLD_MS;
      this.#lastLoweredAt = now;
    }
    return result;
  }
}

function bitrateOf(demand: ConsumerDemand, layer: number): number {
  return demand.layerBitrates[layer] ?? DEFAULT_LAYER_BITRATES[layer] ?? 0;
}
