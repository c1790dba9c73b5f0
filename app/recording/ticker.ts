import { createLogger } from '../log.ts';
import type { TickCommand } from './tickWorker.ts';

const log = createLogger('recording-ticker');

/*
 * Why not requestAnimationFrame: as soon as the page is not in front, animation frames drop to about one a second
 * (measured, shared/notes/recording.md), and hidden tabs throttle the page's own timers too. The recording must keep
 * its frame rate while the person looks at another tab, so ticks come from a dedicated worker's timer (not throttled
 * that way; its messages run at once), with a page timer only where a worker cannot start.
 */

export type TickSource = 'worker' | 'timer';

export interface Ticker {
  readonly source: TickSource;
  stop(): void;
}

export type TickerOptions = {
  /** Makes the clock's worker; tests and pages without workers pass one that throws. */
  createWorker?: () => Worker;
};

function defaultWorker(): Worker {
  return new Worker(new URL('./tickWorker.ts', import.meta.url), { type: 'module', name: 'recording-clock' });
}

/** Calls `onTick` `fps` times a second, in front and in the background, until `stop()`. */
export function startTicker(fps: number, onTick: () => void, options: TickerOptions = {}): Ticker {
  const intervalMs = 1000 / fps;
  let stopped = false;
  let fallback: ReturnType<typeof setInterval> | undefined;
  let worker: Worker | undefined;

  const useTimer = () => {
    worker?.terminate();
    worker = undefined;
    if (!stopped && fallback === undefined) fallback = setInterval(onTick, intervalMs);
    ticker.source = 'timer';
  };

  const ticker: { source: TickSource; stop(): void } = {
    source: 'worker',
    stop() {
      stopped = true;
      worker?.postMessage({ type: 'stop' } satisfies TickCommand);
      worker?.terminate();
      worker = undefined;
      clearInterval(fallback);
    },
  };

  try {
    worker = (options.createWorker ?? defaultWorker)();
    worker.addEventListener('message', () => {
      if (!stopped) onTick();
    });
    // A worker script that fails to load (blocked, offline without it cached) reports here: fall back to a timer.
    worker.addEventListener('error', (event) => {
      log.warn('clock worker failed, using a page timer', { message: event.message });
      useTimer();
    });
    worker.postMessage({ type: 'start', intervalMs } satisfies TickCommand);
  } catch (error) {
    log.warn('no clock worker, using a page timer', { error: String(error) });
    useTimer();
  }
  return ticker;
}
