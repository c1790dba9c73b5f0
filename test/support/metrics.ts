import type { RunningServer } from './server.ts';

/** One sample's value from a running server's /metrics (Prometheus text), e.g. `huddle_rooms`; NaN when absent. */
export async function metricOf(server: RunningServer, series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : Number.NaN;
}
