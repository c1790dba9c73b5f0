import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createTestServices, FakeClient } from '../../testing/fakes.ts';

type IceServer = { urls: string[]; username?: string; credential?: string };

let services: Awaited<ReturnType<typeof createTestServices>>;
beforeAll(async () => {
  const base = await createTestServices();
  services = { ...base, config: { ...base.config, ice: { ...base.config.ice, turnUrls: ['turn:127.0.0.1:3478'], turnSecret: 'test-secret-for-turn', turnCredentialTtlS: 600 } } };
});
afterAll(() => services.pool.close());

/** The unix expiry in a REST-scheme TURN username (`<expiry>:<peer id>`). */
function expiryOf(servers: IceServer[]): number {
  const turn = servers.find((server) => server.username);
  return Number(turn?.username?.split(':')[0]);
}

describe('an ICE restart', () => {
  test('brings new ICE credentials and fresh TURN credentials, so a call outlives the first ones', async () => {
    const ann = new FakeClient(services);
    const joined = (await ann.join('restart', 'Ann')) as unknown as { iceServers: IceServer[]; peerId: string };
    const created = await ann.request('createTransport', { direction: 'send' });
    const { transportId, iceParameters } = created.data as { transportId: string; iceParameters: { usernameFragment: string } };

    // Twenty minutes into the call the join's TURN credentials (600 s) have expired.
    const later = Date.now() + 20 * 60_000;
    const clock = vi.spyOn(Date, 'now').mockReturnValue(later);
    const restarted = await ann.request('restartIce', { transportId });
    clock.mockRestore();

    expect(restarted.ok).toBe(true);
    const reply = restarted.data as { iceParameters: { usernameFragment: string }; iceServers: IceServer[] };
    expect(reply.iceParameters.usernameFragment).not.toBe(iceParameters.usernameFragment);
    expect(expiryOf(joined.iceServers)).toBeLessThan(later / 1000);
    expect(expiryOf(reply.iceServers)).toBe(Math.floor(later / 1000) + 600);
    expect(reply.iceServers.find((server) => server.username)?.username).toContain(joined.peerId);
    await ann.request('leave');
  });
});
