import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices({ workers: 2 });
});
afterAll(() => services.pool.close());

describe('room registry and worker pool', () => {
  test('new rooms open on the least loaded worker, one home router each with Opus, VP8 and H264', async () => {
    const ann = new FakeClient(services);
    await ann.join('spread-a', 'Ann');
    // Ann's peer weighs on her room's worker: the next room opens on the other one.
    const [a, b] = await Promise.all([services.rooms.getOrCreate('spread-a'), services.rooms.getOrCreate('spread-b')]);
    expect(a.slot).not.toBe(b.slot);
    const mimeTypes = a.router.rtpCapabilities.codecs?.map((codec) => codec.mimeType) ?? [];
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    await ann.request('leave');
    b.close();
    expect(services.pool.slots.map((slot) => slot.peers)).toEqual([0, 0]);
  });

  test('two joins racing into a new room share one router', async () => {
    const [first, second] = await Promise.all([services.rooms.getOrCreate('race'), services.rooms.getOrCreate('race')]);
    expect(first).toBe(second);
    first.close();
    expect(await services.rooms.find('race')).toBeUndefined();
    // A closed room's name can be used again: a new room, a new router.
    const again = await services.rooms.getOrCreate('race');
    expect(again).not.toBe(first);
    expect(again.router.closed).toBe(false);
    again.close();
  });
});

describe('a worker that dies', () => {
  test('takes only its own rooms: their people are cut loose and get back into the same meeting on a new worker', async () => {
    const { rooms } = services;
    const ann = new FakeClient(services);
    const annBefore = await ann.join('doomed', 'Ann', { password: 'correct horse battery' });
    const invite = ((await ann.request('createInvite')).data as { invite: string }).invite;
    const bob = new FakeClient(services);
    await bob.join('survivor', 'Bob');
    const doomed = (await rooms.find('doomed'))!;
    const survivor = (await rooms.find('survivor'))!;
    expect(doomed.slot).not.toBe(survivor.slot);
    const deadPid = doomed.slot.worker.pid;

    process.kill(deadPid, 'SIGKILL');

    // Ann's socket is cut (her app reconnects); Bob, on the other worker, notices nothing.
    await expect.poll(() => ann.terminated, { timeout: 10_000 }).toBe(true);
    expect(doomed.closed).toBe(true);
    expect(bob.terminated).toBe(false);
    expect(survivor.router.closed).toBe(false);
    expect(await bob.request('ping')).toMatchObject({ ok: true });
    // A new worker takes the dead one's place.
    await expect.poll(() => doomed.slot.worker.pid !== deadPid && !doomed.slot.restarting, { timeout: 10_000 }).toBe(true);
    expect(doomed.slot.worker.closed).toBe(false);

    // Back into the same meeting: an invite made in it works (even for the first one back), its password holds.
    const cleo = await new FakeClient(services).join('doomed', 'Cleo', { invite });
    const mallory = new FakeClient(services);
    await mallory.request('hello', { protocolVersion: PROTOCOL_VERSION });
    expect(await mallory.request('join', { room: 'doomed', name: 'Mallory' })).toMatchObject({ error: { code: 'password_required' } });
    // Ann's app cannot resume (her peer went with the worker) and joins afresh, with the password she used.
    const resume = { peerId: annBefore.peerId, token: annBefore.resumeToken };
    const annAfter = await new FakeClient(services).join('doomed', 'Ann', { password: 'correct horse battery', resume });
    expect(annAfter.resumed).toBe(false);
    expect(annAfter.peers.map((peer) => peer.id)).toEqual([cleo.peerId]);
    const reborn = (await rooms.find('doomed'))!;
    expect(reborn.instanceId).toBe(doomed.instanceId);
    expect(reborn.router.closed).toBe(false);
    reborn.close();
    survivor.close();
  });
});
