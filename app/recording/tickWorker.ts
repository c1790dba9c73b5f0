/*
 * The compositor's clock, in a dedicated worker: a background page gets about one animation frame a second and
 * throttled main-thread timers, but a worker's timers keep time, and the messages it posts are ordinary tasks that
 * the page runs at once. Ticks are scheduled against absolute deadlines so they do not drift; a tick that comes too
 * late is not made up with a burst (the page would draw the same picture twice).
 */

export type TickCommand = { type: 'start'; intervalMs: number } | { type: 'stop' };

let timer: ReturnType<typeof setTimeout> | undefined;

function schedule(intervalMs: number, deadline: number): void {
  timer = setTimeout(() => {
    postMessage(null);
    const now = performance.now();
    let next = deadline + intervalMs;
    if (next <= now) next = now + intervalMs - ((now - deadline) % intervalMs); // late: skip, stay on the grid
    schedule(intervalMs, next);
  }, Math.max(0, deadline - performance.now()));
}

addEventListener('message', (event: MessageEvent<TickCommand>) => {
  clearTimeout(timer);
  if (event.data.type === 'start') schedule(event.data.intervalMs, performance.now() + event.data.intervalMs);
});
