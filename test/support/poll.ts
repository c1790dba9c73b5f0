/**
 * Polls `probe` until it returns true; throws with `what` after `timeout` ms, adding what `state()` says at that
 * moment (when given). Usable outside vitest (benches).
 */
export async function waitUntil(
  probe: () => Promise<boolean> | boolean,
  what: string,
  timeout = 15_000,
  state?: () => Promise<string> | string,
): Promise<void> {
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
  const now = state ? ` (now: ${await Promise.resolve(state()).catch(String)})` : '';
  throw new Error(`Timed out after ${timeout} ms waiting for ${what}${now}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}
