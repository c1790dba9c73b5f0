import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

async function tryJoin(room: string, extra: Record<string, unknown> = {}, address = '127.0.0.1') {
  const client = new FakeClient(services, address);
  await client.request('hello', { protocolVersion: PROTOCOL_VERSION });
  return { client, reply: await client.request('join', { room, name: 'Guest', ...extra }) };
}

describe('room access', () => {
  test('the first person sets a password; others need it; the hash, not the password, is kept', async () => {
    const { client: host, reply } = await tryJoin('locked', { password: 'hunter2!' });
    expect(reply).toMatchObject({ ok: true, data: { locked: true } });
    expect((await tryJoin('locked')).reply).toMatchObject({ error: { code: 'password_required' } });
    expect((await tryJoin('locked', { password: 'not-the-password' })).reply).toMatchObject({ error: { code: 'wrong_password' } });
    expect((await tryJoin('locked', { password: 'hunter2!' })).reply).toMatchObject({ ok: true });
    const room = await services.rooms.find('locked');
    expect(JSON.stringify(room?.password ? await room.password : null)).not.toContain('hunter2');
    await host.request('leave');
  });

  test('an invite from someone inside admits without the password; other rooms’ and expired invites do not', async () => {
    const { client: host } = await tryJoin('guarded', { password: 'pw-123456' });
    const created = await host.request('createInvite');
    const { invite, expiresAt } = created.data as { invite: string; expiresAt: number };
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect((await tryJoin('guarded', { invite })).reply).toMatchObject({ ok: true });
    expect((await tryJoin('elsewhere', { invite })).reply).toMatchObject({ error: { code: 'invite_invalid' } });
    expect((await tryJoin('guarded', { invite: `${invite}x` })).reply).toMatchObject({ error: { code: 'invite_invalid' } });

    const meeting = await services.rooms.find('guarded');
    if (!meeting) throw new Error('the meeting should be running');
    const old = await services.invites.create(meeting, Date.now() - (services.config.inviteTtlS + 60) * 1000);
    expect((await tryJoin('guarded', { invite: old.invite })).reply).toMatchObject({ error: { code: 'invite_expired' } });
    await host.request('leave');
  });

  test('a room password has at least 8 characters', async () => {
    const { reply } = await tryJoin('short-pw', { password: 'abc1234' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/at least 8 characters/) } });
    expect(await services.rooms.find('short-pw')).toBeUndefined();
  });

  test('a refusal while the first person is still setting the password does not close the room under them', async () => {
    const first = new FakeClient(services);
    const guesser = new FakeClient(services, '203.0.113.5');
    await Promise.all([first, guesser].map((client) => client.request('hello', { protocolVersion: PROTOCOL_VERSION })));
    const firstJoin = first.request('join', { room: 'racing', name: 'First', password: 'the-real-one' });
    // The refusal comes while the first person's password is still being hashed (scrypt takes tens of ms).
    while (!(await services.rooms.find('racing'))?.password) await new Promise((resolve) => setImmediate(resolve));
    const guessReply = await guesser.request('join', { room: 'racing', name: 'Guesser', invite: 'forged.invite.link' });
    const firstReply = await firstJoin;
    expect(guessReply).toMatchObject({ error: { code: 'invite_invalid' } });
    expect(firstReply).toMatchObject({ ok: true, data: { locked: true } });
    expect((await services.rooms.find('racing'))?.peers.size).toBe(1);
    await first.request('leave');
  });

  test('a refused join does not leave an empty room behind', async () => {
    const stale = await services.invites.create(
      { id: 'ghost', instanceId: 'long-gone' },
      Date.now() - (services.config.inviteTtlS + 60) * 1000,
    );
    expect((await tryJoin('ghost', { invite: stale.invite })).reply).toMatchObject({ error: { code: 'invite_expired' } });
    expect(await services.rooms.find('ghost')).toBeUndefined();
  });
});
