import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { version as mediasoupVersion } from 'mediasoup';

/** How the offline worker is built (libwebrtc's bandwidth estimation); a new flavour makes every machine rebuild. */
const WORKER_BUILD_FLAVOUR = 'libwebrtc-bwe';

/**
 * Where the project's setup caches a worker it built offline (scripts/mediasoup-worker/build.sh writes here).
 * Keep in step with that script's FLAVOUR.
 */
export function cachedWorkerBinPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheRoot = env.HUDDLE_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'huddle');
  return path.join(cacheRoot, `mediasoup-worker-${mediasoupVersion}-${WORKER_BUILD_FLAVOUR}`, 'mediasoup-worker');
}

/** An explicit binary wins; then one built offline for this machine; else mediasoup's own (prebuilt) worker. */
export function resolveWorkerBin(explicit: string | undefined): string | undefined {
  if (explicit) return explicit;
  const cached = cachedWorkerBinPath();
  return existsSync(cached) ? cached : undefined;
}
