import { describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { waitUntil } from '../../test/support/poll.ts';
import { chatHistoryKey } from '../chat/roomEvents.ts';
import { keys } from './keys.ts';
import { peopleSeenBy, useClusterServers, type ClusterServer } from '../testing/clusterServers.ts';
import { setUpMedia } from '../testing/fakeMedia.ts';
import { FakeClient } from '../testing/fakes.ts';
import { joinsMeetingAcrossServers } from './sharedAccess.ts';

/*
 * Two servers of one service in this process, as server/index.ts wires them (a real redis-server between them):
 * a room with a password is one meeting on both, entered with its password (or an invite) on either, refused on
 * either without; it ends when it empties on both.
 */

const service = useClusterServers({ meetings: {} });

/** Joins through `server`; resolves with the reply (ok or not). */
async function attempt(server: ClusterServer, room: string, name: string, extra: Record<string, unknown> = {}, address?: string) {
  const client = new FakeClient(server.services, address);
  await client.request('hello', { protocolVersion: PROTOCOL_VERSION });
  const reply = await client.request('join', { room, name, ...extra });
  return { client, reply, data: reply.data as { peerId: string; peers: { id: string; name: string }[]; locked: boolean; routerRtpCapabilities: unknown } };
}

/** Everyone a person was told of: the join reply's peers, then who joined and left since, in order. */
function namesSeenBy(person: { client: FakeClient; data: { peers: { id: string; name: string }[] } }): string[] {
  return [...peopleSeenBy({ client: person.client, joined: person.data }).values()].map((peer) => peer.name).sort();
}

describe('a room with a password across two servers', () => {
  test('is one meeting: the right password on the other server joins it (same people, same chat history); none or a wrong one is refused and sees nobody', async () => {
    const { one, two } = service;
    const alice = await attempt(one, 'vault', 'Alice', { password: 'open sesame' });
    expect(alice.reply.ok).toBe(true);
    expect(alice.data.locked).toBe(true);
    await setUpMedia(alice.client, alice.data.routerRtpCapabilities);

    const bob = await attempt(two, 'vault', 'Bob', { password: 'open sesame' });
    expect(bob.reply.ok).toBe(true);
    expect(bob.data.locked).toBe(true);
    await waitUntil(() => namesSeenBy(bob).includes('Alice'), 'Bob (server 2) to see Alice (server 1)', 10_000);
    await waitUntil(() => namesSeenBy(alice).includes('Bob'), 'Alice to see Bob', 10_000);
    const [roomOne, roomTwo] = [(await one.services.rooms.find('vault'))!, (await two.services.rooms.find('vault'))!];
    expect(roomTwo.instanceId).toBe(roomOne.instanceId);
    expect(chatHistoryKey(roomTwo)).toBe(chatHistoryKey(roomOne));

    const carol = await attempt(two, 'vault', 'Carol', { password: 'open barley' }, '10.0.0.3');
    expect(carol.reply.error).toMatchObject({ code: 'wrong_password' });
    const nobody = await attempt(two, 'vault', 'Nobody', {}, '10.0.0.4');
    expect(nobody.reply.error).toMatchObject({ code: 'password_required' });
    // Refused on server 1 too, whatever server made the meeting.
    expect((await attempt(one, 'vault', 'Carol', { password: 'open barley' }, '10.0.0.3')).reply.error).toMatchObject({ code: 'wrong_password' });
    for (const refused of [carol, nobody]) {
      expect(refused.client.notifications('peerJoined')).toEqual([]);
      expect(refused.client.notifications('producerAdded')).toEqual([]);
    }
    // Alice and Bob heard nothing of them either.
    expect(namesSeenBy(alice)).toEqual(['Bob']);
    expect(namesSeenBy(bob)).toEqual(['Alice']);

    // Alice leaves: the meeting goes on on server 2, and so does its chat history (its retention has not started).
    const historyKey = chatHistoryKey(roomOne);
    await alice.client.request('leave');
    await waitUntil(() => !namesSeenBy(bob).includes('Alice'), 'Bob to see Alice leave', 10_000);
    expect(await one.commands.zscore(keys.chatEmptied, historyKey)).toBeNull();
    const aliceAgain = await attempt(one, 'vault', 'Alice', { password: 'open sesame' }, '10.0.0.12');
    expect(aliceAgain.reply.ok).toBe(true);
    Object.assign(alice, aliceAgain);

    // An invite made on server 1 lets its holder in through server 2 without the password.
    const { invite } = (await alice.client.request('createInvite')).data as { invite: string };
    const guest = await attempt(two, 'vault', 'Guest', { invite }, '10.0.0.5');
    expect(guest.reply.ok).toBe(true);
    expect(namesSeenBy(guest)).toEqual(['Alice', 'Bob']);

    // Everyone leaves, on both servers: the meeting ends; the next one under the name is another, with its own password.
    for (const person of [alice, bob, guest]) await person.client.request('leave');
    await waitUntil(async () => (await one.access!.find('vault')) === undefined, 'the meeting to end', 10_000);
    // Its history's retention runs from now.
    await waitUntil(async () => (await one.commands.zscore(keys.chatEmptied, historyKey)) !== null, 'the history to be marked empty', 10_000);
    const next = await attempt(two, 'vault', 'Dan', { password: 'a new secret' });
    expect(next.reply.ok).toBe(true);
    expect((await two.services.rooms.find('vault'))!.instanceId).not.toBe(roomOne.instanceId);
    expect((await attempt(one, 'vault', 'Alice', { password: 'open sesame' }, '10.0.0.6')).reply.error).toMatchObject({ code: 'wrong_password' });
    // The old meeting's invite ended with it, on either server.
    expect((await attempt(one, 'vault', 'Late', { invite }, '10.0.0.7')).reply.error).toMatchObject({ code: 'invite_expired' });
    await next.client.request('leave');
  }, 60_000);

  test('guesses spread over both servers are limited as on one: per network, and per meeting over many networks', async () => {
    const { one, two } = service;
    const host = await attempt(one, 'bunker', 'Host', { password: 'correct horse' });
    expect(host.reply.ok).toBe(true);
    // One network, its guesses alternating between the servers: the fourth wrong one overall costs a wait, the
    // fifth is refused outright (each server alone has seen only two or three).
    const guesser = '203.0.113.66';
    const replies = [];
    for (let guess = 0; guess < 5; guess++) replies.push((await attempt(guess % 2 ? two : one, 'bunker', 'Guesser', { password: `guess-number-${guess}` }, guesser)).reply);
    expect(replies.slice(0, 3).map((reply) => reply.error?.code)).toEqual(['wrong_password', 'wrong_password', 'wrong_password']);
    expect(replies[3]!.error).toMatchObject({ code: 'wrong_password', message: expect.stringMatching(/Wait 2 seconds before trying again\./) });
    expect(replies[4]!.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^Too many wrong passwords from your network/) });

    // Many networks, over both servers: the meeting's own limit (10 free, 4 used above) counts them all, though
    // neither server alone has seen more than 7.
    for (let guess = 0; guess < 7; guess++) {
      const reply = (await attempt(guess % 2 ? one : two, 'bunker', 'Guesser', { password: `spread-guess-${guess}` }, `198.51.100.${guess + 1}`)).reply;
      expect(reply.error?.code).toBe('wrong_password');
    }
    const stopped = (await attempt(two, 'bunker', 'Guesser', { password: 'spread-guess-x' }, '198.51.100.200')).reply;
    expect(stopped.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^Too many wrong passwords for this room/) });
    await host.client.request('leave');
  }, 30_000);

  test('people opening the room at once on both servers with different passwords: one meeting, and only its password gets in', async () => {
    const { one, two } = service;
    const arrivals = [
      { server: one, name: 'Ann', password: 'password of one' },
      { server: two, name: 'Ben', password: 'password of two' },
      { server: one, name: 'Cid', password: 'password of one' },
      { server: two, name: 'Dee', password: 'password of one' },
      { server: two, name: 'Eve', password: 'password of two' },
    ];
    const people = await Promise.all(
      arrivals.map(({ server, name, password }, index) => attempt(server, 'rush', name, { password }, `192.0.2.${index + 1}`)),
    );
    const admitted = people.filter((person) => person.reply.ok);
    const winning = arrivals[people.indexOf(admitted[0]!)]!.password;
    expect(admitted.length).toBeGreaterThan(0);
    arrivals.forEach(({ password }, index) => {
      expect(people[index]!.reply.ok ? 'in' : people[index]!.reply.error?.code).toBe(password === winning ? 'in' : 'wrong_password');
    });
    const names = arrivals.filter(({ password }) => password === winning).map(({ name }) => name).sort();
    for (const person of admitted) {
      await waitUntil(() => namesSeenBy(person).length === names.length - 1, 'everyone admitted to see each other', 10_000);
      expect([...namesSeenBy(person), arrivals[people.indexOf(person)]!.name].sort()).toEqual(names);
    }
    for (const person of admitted) await person.client.request('leave');
  }, 30_000);

  test('an open room and a locked one cannot share a name: the first person on any server decides, later passwords are ignored', async () => {
    const { one, two } = service;
    const open = await attempt(one, 'lobby', 'Olive');
    expect(open.data.locked).toBe(false);
    // Someone opening the "same" room on server 2 with a password does not lock it, nor make a private one.
    const late = await attempt(two, 'lobby', 'Lena', { password: 'too late now' });
    expect(late.reply.ok).toBe(true);
    expect(late.data.locked).toBe(false);
    await waitUntil(() => namesSeenBy(late).includes('Olive'), 'Lena to see Olive', 10_000);
    const third = await attempt(two, 'lobby', 'Tom', {}, '10.0.0.8');
    expect(third.reply.ok).toBe(true);
    for (const person of [open, late, third]) await person.client.request('leave');
  }, 30_000);

  test('a server cut off from Redis longer than its hold stops hearing the others about the room, and says who is here again once back', async () => {
    // Holds of 900 ms, renewed every 300 ms.
    const three = await service.start('server-3', { meetings: { leaseMs: 900 } });
    const four = await service.start('server-4', { meetings: { leaseMs: 900 } });
    const alice = await attempt(three, 'lapse', 'Alice', { password: 'open sesame' });
    const bob = await attempt(four, 'lapse', 'Bob', { password: 'open sesame' });
    await waitUntil(() => namesSeenBy(alice).includes('Bob'), 'Alice to see Bob', 10_000);
    const aliceRoom = (await three.services.rooms.find('lapse'))!;
    expect(joinsMeetingAcrossServers(aliceRoom)).toBe(true);

    // Server 3's commands fail (it still hears the bus): once its hold may have run out, it no longer vouches for
    // the meeting, and what the others say about the room is not taken in.
    three.commands.disconnect();
    await waitUntil(() => !joinsMeetingAcrossServers(aliceRoom), 'server 3 to stop vouching for the meeting', 5_000);
    const cat = await attempt(four, 'lapse', 'Cat', { password: 'open sesame' });
    expect(cat.reply.ok).toBe(true);
    await waitUntil(() => namesSeenBy(bob).includes('Cat'), 'Bob to see Cat', 10_000);
    expect(namesSeenBy(alice)).toEqual(['Bob']);

    // Redis reachable again: the hold is renewed, the room says who is here, and the others answer.
    await three.commands.connect();
    await waitUntil(() => joinsMeetingAcrossServers(aliceRoom), 'server 3 to hold the meeting again', 5_000);
    await waitUntil(() => namesSeenBy(alice).includes('Cat'), 'Alice to see Cat', 10_000);
    expect(namesSeenBy(cat)).toEqual(['Alice', 'Bob']);
    for (const person of [alice, bob, cat]) await person.client.request('leave');
  }, 30_000);

  test('Redis out of reach: nobody new gets into a room not open on this server; a room open here still checks its password', async () => {
    const { one, two } = service;
    const alice = await attempt(one, 'cut-off', 'Alice', { password: 'open sesame' });
    expect(alice.reply.ok).toBe(true);
    // Server 2's commands to Redis fail from now on, as while Redis is away.
    two.commands.disconnect();
    const bob = await attempt(two, 'cut-off', 'Bob', { password: 'open sesame' });
    expect(bob.reply.error).toMatchObject({ code: 'unavailable' });
    const mallory = await attempt(two, 'cut-off', 'Mallory', {}, '10.0.0.9');
    expect(mallory.reply.error).toMatchObject({ code: 'unavailable' });
    expect(await two.services.rooms.find('cut-off')).toBeUndefined();
    expect(namesSeenBy(alice)).toEqual([]);
    // Server 1 cut off too: its room still admits the right password and refuses a wrong one.
    one.commands.disconnect();
    expect((await attempt(one, 'cut-off', 'Ann', { password: 'open sesame' }, '10.0.0.10')).reply.ok).toBe(true);
    expect((await attempt(one, 'cut-off', 'Eve', { password: 'open barley' }, '10.0.0.11')).reply.error).toMatchObject({ code: 'wrong_password' });
  }, 30_000);
});
