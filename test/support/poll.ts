/** Polls `probe` until it returns true; throws with `what` after `timeout` ms. Usable outside vitest (benches). */
export async function waitUntil(probe: () => Promise<boolean> | boolean, what: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out after ${timeout} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}
