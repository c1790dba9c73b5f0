/*
 * The engine's sizes and timings in one place; tests pass smaller ones.
 */

const MiB = 1024 * 1024;

export type Tuning = {
  /**
   * Unacknowledged bytes per recipient. The server's SCTP send buffer toward each receiver is 4 MiB and mediasoup
   * drops messages when it fills (../shared/notes/datachannels.md), so a lone transfer keeps at most a quarter of
   * it in flight; this is also the most a go-back re-sends. Chat shares the path and waits behind what is in
   * flight: measured on loopback, 1 MiB kept chat at p50 ~250 ms during a transfer (2 MiB: ~350 ms) for the same
   * throughput (bench/RESULTS.md).
   */
  sendWindow: number;
  /** With bytes outstanding and no acknowledgement this long, the sender goes back to the acknowledged offset (tail loss shows no gap). */
  goBackAfterMs: number;
  /**
   * Offered to several: recipients ahead wait for one at most this far behind to catch up (then each chunk goes once
   * for all again); one further behind catches up alone while the others go on. About 3 s at full speed.
   */
  convoyDistance: number;
  /** Offered to several: after the first accept, how long to wait for the others' answers before the first chunk. */
  gatherAnswersMs: number;
  /** How often the sender checks for stalls (and the end of gathering answers). */
  stallCheckMs: number;
  /** Bytes queued in the browser across every file link: chat shares the SCTP association and must never wait long behind file data. */
  maxQueuedOnLinks: number;
  /** The receiver writes what it received to IndexedDB this often, or sooner once `flushBytes` are waiting. */
  flushMs: number;
  flushBytes: number;
  /** At most one ack this often: acks count against the connection's signaling budget (MESSAGE_RATE_PER_SECOND, 50). */
  minAckIntervalMs: number;
  /** Received bytes waiting for the download beyond which the receiver stops acknowledging (the sender's window stalls). */
  maxPendingDownload: number;
  /** While holding acknowledgements back, the receiver repeats its last one this often, so the sender does not take the pause for loss. */
  holdAckRepeatMs: number;
  /** The same gap is asked about again only after this long (in-flight chunks after a loss all show the same gap). */
  gapResumeIntervalMs: number;
  /** Nothing arrived this long, bytes still missing: the receiver asks to resume (the sender may have gone or stopped on tail loss). */
  idleResumeMs: number;
  /** How often a receiver asks again to resume while its sender is not here. */
  resumeRetryMs: number;
  /** Views are sent to the UI at most this often unless a phase changed. */
  viewThrottleMs: number;
};

export const defaultTuning: Tuning = {
  sendWindow: 1 * MiB,
  goBackAfterMs: 4_000,
  convoyDistance: 64 * MiB,
  gatherAnswersMs: 3_000,
  stallCheckMs: 1_000,
  maxQueuedOnLinks: 1 * MiB,
  flushMs: 100,
  // Half a window: the first ack of a window comes back while the rest is still in flight, so a lone transfer is not
  // held to one window per round trip. (Not less: acks count against the signaling budget of 50 messages a second.)
  flushBytes: 512 * 1024,
  minAckIntervalMs: 40,
  maxPendingDownload: 16 * MiB,
  holdAckRepeatMs: 2_000,
  gapResumeIntervalMs: 1_000,
  idleResumeMs: 3_000,
  resumeRetryMs: 3_000,
  viewThrottleMs: 200,
};
