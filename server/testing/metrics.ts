import { Hono } from 'hono';
import { mountMetrics } from '../http/metrics.ts';
import type { createTestServices } from './fakes.ts';

/**
 * Reads the services' /metrics as Prometheus text, one sample at a time, e.g.
 * `await metric('huddle_chat_messages_stored_total')` (NaN when the series is missing).
 */
export function metricsReader(services: Awaited<ReturnType<typeof createTestServices>>): (series: string) => Promise<number> {
  const app = new Hono();
  mountMetrics(app, services.rooms, services.pool, services.chat.stats);
  return async (series) => {
    const text = await (await app.request('/metrics')).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : Number.NaN;
  };
}
