import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;
let routersCreated = 0;
beforeAll(async () => {
  services = await createTestServices();
  for (const slot of services.pool.slots) slot.worker.observer.on('newrouter', () => routersCreated++);
});
afterAll(() => services.pool.close());

async function tryJoin(room: string, extra: Record<string, unknown>) {
  const client = new FakeClient(services, '192.0.2.50');
  await client.request('hello', { protocolVersion: PROTOCOL_VERSION });
  return { client, reply: await client.request('join', { room, name: 'Guest', ...extra }) };
}

describe('an invite lives only as long as its meeting', () => {
  test('once the meeting ends, its invite is refused in words, also by the next meeting under the same name', async () => {
    const host = new FakeClient(services);
    await host.join('standup', 'Host', { password: 'first-meeting' });
    const { invite } = (await host.request('createInvite')).data as { invite: string };
    const guest = await tryJoin('standup', { invite });
    expect(guest.reply).toMatchObject({ ok: true });
    await guest.client.request('leave');
    await host.request('leave');
    expect(await services.rooms.find('standup')).toBeUndefined();

    // Nobody is in: the invite opens nothing, and no router is made just to say so.
    const routersBefore = routersCreated;
    const meanwhile = await tryJoin('standup', { invite });
    expect(meanwhile.reply.error).toEqual({
      code: 'invite_expired',
      message: 'This meeting has ended, so its invite links no longer work. Ask for a new one.',
    });
    expect(routersCreated).toBe(routersBefore);
    expect(await services.rooms.find('standup')).toBeUndefined();

    // Someone else holds the next meeting under that name, with a password of their own.
    const next = new FakeClient(services, '198.51.100.7');
    await next.join('standup', 'Next host', { password: 'second-meeting' });
    const late = await tryJoin('standup', { invite });
    expect(late.reply.error).toMatchObject({ code: 'invite_expired', message: expect.stringMatching(/^This meeting has ended/) });
    expect((await services.rooms.find('standup'))?.peers.size).toBe(1);
    await next.request('leave');
  });
});
