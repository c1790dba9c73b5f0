/**
 * Reconnect delay with exponential growth and "full jitter": a random wait in [0, min(cap, base·2^attempt)],
 * so a room full of phones that lost the server at once do not all come back in the same millisecond.
 */
export function backoffDelay(attempt: number, baseMs = 500, capMs = 10_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  // Never below 100 ms: an instant retry against a server that just refused us only burns battery.
  return Math.max(100, Math.round(random() * ceiling));
}
