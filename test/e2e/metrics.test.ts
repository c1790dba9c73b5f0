import { describe, expect, test } from 'vitest';
import { joinAliceAndBob } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { waitUntil } from '../support/poll.ts';

const env = useServerAndBrowser();

/** One sample's value from the Prometheus text format, e.g. metric('huddle_peers{state="connected"}'). */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${env.server.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : Number.NaN;
}

describe('/metrics', () => {
  test('counts a live call: rooms, peers, transports, producers by source, consumers, and worker cost', async () => {
    expect(await metric('huddle_peers{state="connected"}')).toBe(0);
    const { alice, bob } = await joinAliceAndBob(env.browser, env.server.url, 'metered');

    expect(await metric('huddle_rooms')).toBe(1);
    expect(await metric('huddle_peers{state="connected"}')).toBe(2);
    expect(await metric('huddle_transports')).toBe(4);
    expect(await metric('huddle_producers{source="cam"}')).toBe(2);
    expect(await metric('huddle_producers{source="mic"}')).toBe(2);
    expect(await metric('huddle_consumers')).toBe(4);
    expect(await metric('huddle_worker_cpu_seconds{worker="0"}')).toBeGreaterThan(0);
    expect(await metric('huddle_worker_max_rss_bytes{worker="0"}')).toBeGreaterThan(1_000_000);

    await bob.context.close(); // a tab closed without Leave: the peer lingers in its grace period
    await waitUntil(async () => (await metric('huddle_peers{state="reconnecting"}')) === 1, 'Bob to show as reconnecting');
    await alice.page.getByRole('button', { name: 'Leave' }).click();
    await waitUntil(async () => (await metric('huddle_peers{state="connected"}')) === 0, 'Alice to be gone');
    await alice.context.close();
  });
});
