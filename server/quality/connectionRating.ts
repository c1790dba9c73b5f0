import type { ConnectionQuality } from '../../shared/protocol/index.ts';

/*
 * A person's connection in three words, from what the server measures itself: its bandwidth estimate toward them
 * (only meaningful while they receive enough to be probed: with nothing to send, the estimate says nothing) and the
 * scores mediasoup keeps for their streams (10: no loss; lower as packets go missing or come late).
 */

/** Receiving less than this, the estimate toward someone is not taken as a verdict on their link. */
const MIN_DESIRED_FOR_ESTIMATE = 200_000;
/** What a good link carries at least: a large tile (the 1 280 px layer) with room; less is only "fair". */
const GOOD_ESTIMATE = 1_000_000;
/** Below this not even the 640 px layer fits: the picture is small or halting. */
const FAIR_ESTIMATE = 400_000;

export type LinkMeasures = {
  /** The server's available outgoing bit rate toward them, and how much it would like to send (bwe trace). */
  estimate?: number;
  desired?: number;
  /** mediasoup scores (0–10) of what they send (producers) and of what reaches them (consumers). */
  scores: readonly number[];
};

const ORDER: Record<ConnectionQuality, number> = { good: 2, fair: 1, poor: 0 };

/**
 * The worst of what each measure says.
 * @example rateConnection({ estimate: 550_000, desired: 1_800_000, scores: [10] }) // → 'fair'
 */
export function rateConnection(measures: LinkMeasures): ConnectionQuality {
  let rating: ConnectionQuality = 'good';
  const worse = (candidate: ConnectionQuality) => {
    if (ORDER[candidate] < ORDER[rating]) rating = candidate;
  };
  for (const score of measures.scores) worse(score >= 7 ? 'good' : score >= 4 ? 'fair' : 'poor');
  const { estimate, desired } = measures;
  if (estimate !== undefined && desired !== undefined && desired >= MIN_DESIRED_FOR_ESTIMATE) {
    // A link that carries all it is asked for is good, however little that is.
    const enough = Math.min(desired, GOOD_ESTIMATE) * 0.9;
    worse(estimate >= enough ? 'good' : estimate >= FAIR_ESTIMATE ? 'fair' : 'poor');
  }
  return rating;
}

/**
 * Announces a new rating only once two evaluations in a row agree on it, so one bad second does not make every
 * tile blink; `next` returns the rating to announce, or undefined when nothing changes.
 */
export class SteadyRating {
  #shown: ConnectionQuality | undefined;
  #candidate: ConnectionQuality | undefined;

  get shown(): ConnectionQuality | undefined {
    return this.#shown;
  }

  next(rating: ConnectionQuality): ConnectionQuality | undefined {
    if (rating === this.#shown) {
      this.#candidate = undefined;
      return undefined;
    }
    // The first rating is shown at once: there is nothing on screen to flicker yet.
    if (this.#shown !== undefined && this.#candidate !== rating) {
      this.#candidate = rating;
      return undefined;
    }
    this.#shown = rating;
    this.#candidate = undefined;
    return rating;
  }
}
