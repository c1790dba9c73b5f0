import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTicker } from './ticker.ts';
import type { TickCommand } from './tickWorker.ts';

/** A worker that ticks when the test says; records what the page told it. */
class FakeWorker extends EventTarget {
  readonly commands: TickCommand[] = [];
  terminated = false;
  postMessage(command: TickCommand) {
    this.commands.push(command);
  }
  terminate() {
    this.terminated = true;
  }
  tick() {
    this.dispatchEvent(new MessageEvent('message', { data: null }));
  }
}

describe('startTicker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('asks the worker for the frame interval and ticks on its messages until stopped', () => {
    const worker = new FakeWorker();
    const onTick = vi.fn();
    const ticker = startTicker(30, onTick, { createWorker: () => worker as unknown as Worker });
    expect(ticker.source).toBe('worker');
    expect(worker.commands).toEqual([{ type: 'start', intervalMs: 1000 / 30 }]);
    worker.tick();
    worker.tick();
    expect(onTick).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1000); // no page timer runs beside the worker
    expect(onTick).toHaveBeenCalledTimes(2);
    ticker.stop();
    worker.tick();
    expect(onTick).toHaveBeenCalledTimes(2);
    expect(worker.terminated).toBe(true);
  });

  it('falls back to a page timer where no worker can be made', () => {
    const onTick = vi.fn();
    const ticker = startTicker(
      25,
      onTick,
      {
        createWorker: () => {
          throw new Error('no workers here');
        },
      },
    );
    expect(ticker.source).toBe('timer');
    vi.advanceTimersByTime(1000);
    expect(onTick).toHaveBeenCalledTimes(25);
    ticker.stop();
    vi.advanceTimersByTime(1000);
    expect(onTick).toHaveBeenCalledTimes(25);
  });

  it('falls back to a page timer when the worker script fails to load', () => {
    const worker = new FakeWorker();
    const onTick = vi.fn();
    const ticker = startTicker(10, onTick, { createWorker: () => worker as unknown as Worker });
    worker.dispatchEvent(new Event('error'));
    expect(ticker.source).toBe('timer');
    expect(worker.terminated).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(onTick).toHaveBeenCalledTimes(10);
    ticker.stop();
  });
});
