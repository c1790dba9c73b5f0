import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { hashPassword, verifyPassword } from '../access/password.ts';
import { InviteSigner } from '../access/invites.ts';
import { Cluster } from './index.ts';
import { keys } from './keys.ts';
import { MeetingStore } from './meetingStore.ts';
import { useRedis } from '../testing/redis.ts';

/* Two servers' views of the rooms' meetings, over one real redis-server. */

const redis = useRedis();
/** The test's own connection, to see what Redis holds. */
let raw: Redis;
beforeAll(async () => {
  raw = await redis.connect();
});

/** One server's view: its own connection. */
async function server(serverId: string, leaseMs?: number): Promise<MeetingStore> {
  return new MeetingStore(await redis.connect('commands'), serverId, leaseMs);
}

describe('a room’s meeting shared by the servers of a service', () => {
  test('two servers opening a room at once with different passwords: one meeting wins, both hold it', async () => {
    const [one, two] = [await server('server-1'), await server('server-2')];
    const [ofOne, ofTwo] = [await hashPassword('password of one'), await hashPassword('password of two')];
    for (let round = 0; round < 10; round++) {
      const room = `race-${round}`;
      const [a, b] = await Promise.all([
        one.claim(room, { instanceId: `one-${round}`, password: ofOne }),
        two.claim(room, { instanceId: `two-${round}`, password: ofTwo }),
      ]);
      expect([a!.made, b!.made].filter(Boolean)).toHaveLength(1);
      expect(a!.instanceId).toBe(b!.instanceId);
      const winner = a!.made ? 'password of one' : 'password of two';
      const loser = a!.made ? 'password of two' : 'password of one';
      // The loser's server now checks against the winner's password: the loser's own is wrong there.
      expect(await verifyPassword(winner, b!.password!)).toBe(true);
      expect(await verifyPassword(loser, b!.password!)).toBe(false);
      expect(await verifyPassword(winner, a!.password!)).toBe(true);
    }
  }, 20_000);

  test('another server adopts the running meeting; it ends only when the last server lets go, and the name is free again', async () => {
    const [one, two] = [await server('server-1'), await server('server-2')];
    const made = await one.claim('adopted', { instanceId: 'first', password: await hashPassword('open sesame') });
    expect(made).toMatchObject({ made: true, instanceId: 'first' });
    // Server 2 asks without a proposal (its joiner gave a password: only hashed if no meeting runs).
    const adopted = await two.claim('adopted');
    expect(adopted).toMatchObject({ made: false, instanceId: 'first' });
    expect(await verifyPassword('open sesame', adopted!.password!)).toBe(true);
    expect(await verifyPassword('open barley', adopted!.password!)).toBe(false);

    expect(await one.release('adopted', 'first')).toBe(false);
    expect(await two.find('adopted')).toBe('first');
    // An open room is a meeting too: a proposal without a password does not replace the running one.
    expect(await one.claim('adopted', { instanceId: 'other', password: undefined })).toMatchObject({ made: false, instanceId: 'first' });
    expect(await one.release('adopted', 'first')).toBe(false);
    expect(await two.release('adopted', 'first')).toBe(true);
    expect(await one.find('adopted')).toBeUndefined();
    expect(await redisKeys('adopted')).toEqual([0, 0]);

    // The next meeting under the name is another one, with whatever password its first person gives.
    expect(await two.claim('adopted')).toBeUndefined();
    const next = await two.claim('adopted', { instanceId: 'second', password: undefined });
    expect(next).toMatchObject({ made: true, instanceId: 'second', password: undefined });
    // Letting go of a meeting that is not the running one changes nothing.
    expect(await one.release('adopted', 'first')).toBe(false);
    expect(await one.find('adopted')).toBe('second');
  });

  test('a server that dies stops renewing: its meeting ends by itself when its hold runs out, and Redis keeps nothing of it', async () => {
    const dying = await server('server-dead', 300);
    const survivor = await server('server-2', 300);
    await dying.claim('expiring', { instanceId: 'old', password: await hashPassword('old secret') });
    expect(await survivor.find('expiring')).toBe('old');
    await waitUntil(async () => (await survivor.find('expiring')) === undefined, 'the meeting to end with its hold', 5_000);
    await waitUntil(async () => (await redisKeys('expiring')).every((exists) => exists === 0), 'its keys to expire', 5_000);
    const next = await survivor.claim('expiring', { instanceId: 'new', password: await hashPassword('new secret') });
    expect(next).toMatchObject({ made: true, instanceId: 'new' });
    expect(await verifyPassword('old secret', next!.password!)).toBe(false);
  });

  test('renewing: a live hold is kept; a meeting Redis lost is written back; one made by another meanwhile is not taken over', async () => {
    const [one, two] = [await server('server-1', 400), await server('server-2', 400)];
    const meeting = { instanceId: 'kept', password: await hashPassword('keep me') };
    await one.claim('renewed', meeting);
    for (let beat = 0; beat < 4; beat++) {
      expect(await one.renew('renewed', meeting)).toBe('held');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(await two.find('renewed')).toBe('kept'); // 600 ms after the claim, longer than one hold

    // Redis lost everything (a restart without persistence): the next renewal writes the meeting back.
    await raw.del(keys.roomMeeting('renewed'), keys.roomMeetingHolders('renewed'));
    expect(await one.renew('renewed', meeting)).toBe('restored');
    const back = await two.claim('renewed');
    expect(back?.instanceId).toBe('kept');
    expect(await verifyPassword('keep me', back!.password!)).toBe(true);

    // Both holds run out (Redis out of reach for longer than a hold); another server makes a new meeting.
    await waitUntil(async () => (await two.find('renewed')) === undefined, 'the holds to run out', 5_000);
    await two.claim('renewed', { instanceId: 'newcomer', password: undefined });
    expect(await one.renew('renewed', meeting)).toBe('taken');
    expect(await two.find('renewed')).toBe('newcomer');
  });
});

describe('invites across the servers of a service', () => {
  test('without INVITE_SECRET the servers agree on one random secret: an invite made on one is good on the other', async () => {
    const clusters = await Promise.all(
      ['server-a', 'server-b'].map((serverId) => Cluster.connect({ redisUrl: redis.url, serverId, address: '127.0.0.1' })),
    );
    try {
      // Each started with a random secret of its own (loadConfig's), as two processes would.
      const [a, b] = await Promise.all([clusters[0]!.agreeOnInviteSecret('random secret of server a'), clusters[1]!.agreeOnInviteSecret('random secret of server b')]);
      expect(a).toBe(b);
      const meeting = { id: 'den', instanceId: 'meeting-1' };
      const { invite } = await new InviteSigner(a, 3600).create(meeting);
      await expect(new InviteSigner(b, 3600).verify(invite, 'den', meeting)).resolves.toBeUndefined();
    } finally {
      await Promise.all(clusters.map((cluster) => cluster.stop()));
    }
  });
});

function redisKeys(room: string): Promise<number[]> {
  return Promise.all([raw.exists(keys.roomMeeting(room)), raw.exists(keys.roomMeetingHolders(room))]);
}
