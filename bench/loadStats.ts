/**
 * The load bench's arithmetic, kept apart so it can be checked on its own: RTP sequence numbers extended over
 * their 16-bit wrap, loss from them, and rates over a measuring window.
 */

/** What one receiving socket saw since the window opened. Extended sequence numbers (past 65 535). */
export type SeqWindow = { received: number; first: number; highest: number; lastExtended: number };

export const emptyWindow = (): SeqWindow => ({ received: 0, first: -1, highest: -1, lastExtended: -1 });

/** Counts one packet: `seq` is the 16-bit number; a jump back by more than half the range is a wrap. */
export function countPacket(window: SeqWindow, seq: number): void {
  let extended = seq;
  if (window.lastExtended >= 0) {
    const cycle = window.lastExtended - (window.lastExtended & 0xffff);
    extended = cycle + seq;
    const delta = extended - window.lastExtended;
    if (delta < -0x8000) extended += 0x10000;
    else if (delta > 0x8000) extended -= 0x10000;
  }
  window.lastExtended = extended;
  window.received++;
  if (window.first < 0 || extended < window.first) window.first = extended;
  if (extended > window.highest) window.highest = extended;
}

/** 1 − received ÷ expected, where expected spans the lowest to the highest number seen (0 when nothing came). */
export function lossOf(window: Pick<SeqWindow, 'received' | 'first' | 'highest'>): number {
  if (window.received === 0 || window.highest < window.first) return 0;
  const expected = window.highest - window.first + 1;
  return Math.max(0, 1 - window.received / expected);
}

/** CPU share of one core between two readings of /proc/<pid>/stat (clock ticks), over `seconds`. */
export function cpuShare(ticksBefore: number, ticksAfter: number, seconds: number, ticksPerSecond = 100): number {
  return seconds > 0 ? (ticksAfter - ticksBefore) / ticksPerSecond / seconds : 0;
}

/** utime + stime of a /proc/<pid>/stat line (fields 14 and 15; the command name may hold spaces and parentheses). */
export function ticksOfStatLine(line: string): number {
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0: utime (14) is index 11, stime (15) index 12.
  return Number(fields[11]) + Number(fields[12]);
}

export type StepVerdict = { meanLoss: number; worstLoss: number; rateRatio: number; holds: boolean };

/**
 * Whether a step held: mean loss over the sampled consumers below 1 %, and each of them getting ≥ 97 % of the
 * producer's packets per second (near 100 % worker CPU a backlog builds with no sequence loss at all).
 */
export function verdict(windows: SeqWindow[], producerPacketsPerS: number, seconds: number): StepVerdict {
  const losses = windows.map(lossOf);
  const meanLoss = losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length);
  const worstLoss = Math.max(0, ...losses);
  const meanRate = windows.reduce((sum, w) => sum + w.received, 0) / Math.max(1, windows.length) / seconds;
  const rateRatio = producerPacketsPerS > 0 ? meanRate / producerPacketsPerS : 0;
  return { meanLoss, worstLoss, rateRatio, holds: windows.length > 0 && meanLoss < 0.01 && rateRatio >= 0.97 };
}
