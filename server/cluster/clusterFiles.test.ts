import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { handleFileCall } from '../files/elsewhere.ts';
import { keyOf } from '../files/transfer.ts';
import { useClusterServers, type ClusterServer } from '../testing/clusterServers.ts';
import { FakeClient } from '../testing/fakes.ts';
import { ClusterFiles } from './clusterFiles.ts';
import { channels, keys } from './keys.ts';
import { TransferLocations } from './transferLocations.ts';

/*
 * Two servers of one service in this process (a real redis-server between them), each with its rooms, federation
 * and file transfers over the bus: a transfer between people on different servers works as on one server.
 */

/** Short, so the test of a holder that does not answer does not wait the production 3 s. */
const REQUEST_TIMEOUT_MS = 1_000;

const service = useClusterServers({
  listeners: ({ bus, commands, federation }) => [new ClusterFiles(bus, new TransferLocations(commands), federation, REQUEST_TIMEOUT_MS)],
});
/** The test's own connection: to read where transfers are, and to speak on the bus as a server would. */
let raw: Redis;
beforeAll(async () => {
  raw = await service.redis.connect();
});

const META = { name: 'Protokoll März.pdf', size: 10_000_000, type: 'application/pdf', firstChunkSha256: 'c'.repeat(64) };
const SHA256 = 'd'.repeat(64);
const newSecret = () => randomBytes(24).toString('base64url');

type Person = { client: FakeClient; peerId: string; resumeToken: string; server: ClusterServer };

async function join(server: ClusterServer, room: string, name: string, extra: Record<string, unknown> = {}): Promise<Person> {
  const client = new FakeClient(server.services);
  const joined = await client.join(room, name, extra);
  return { client, peerId: joined.peerId, resumeToken: joined.resumeToken, server };
}

/** Each server knows the others' people in the room (presence went both ways). */
async function seeEachOther(room: string, ...people: Person[]): Promise<void> {
  for (const viewer of people) {
    const here = (await viewer.server.services.rooms.find(room))!;
    for (const other of people) {
      if (other.server === viewer.server) continue;
      await waitUntil(() => here.remote?.infos().some((peer) => peer.id === other.peerId) === true, `${viewer.server.serverId} to see ${other.peerId}`, 10_000);
    }
  }
}

const told = (person: Person, method: string) => person.client.notifications(method).map((message) => message.data);

async function toldOf(person: Person, method: string, expected: unknown): Promise<void> {
  await waitUntil(
    () => told(person, method).some((data) => JSON.stringify(data) === JSON.stringify(expected)),
    `${method} ${JSON.stringify(expected)}`,
    10_000,
    () => JSON.stringify(told(person, method)),
  );
}

/** Ann offers a file to `to`, who accept it: their secrets by peer id. */
async function acceptedTransfer(ann: Person, to: Person[]) {
  const transferId = randomUUID();
  const secret = newSecret();
  const offered = await ann.client.request('fileOffer', { transferId, secret, meta: META, to: to.map(({ peerId }) => ({ peerId })) });
  expect(offered.ok).toBe(true);
  const secrets = new Map<string, string>();
  for (const recipient of to) {
    await waitUntil(() => told(recipient, 'fileOffered').some((data) => (data as { transferId: string }).transferId === transferId), 'the offer', 10_000);
    secrets.set(recipient.peerId, newSecret());
    expect(await recipient.client.request('fileAnswer', { transferId, accept: true, secret: secrets.get(recipient.peerId) })).toMatchObject({ ok: true });
  }
  return { transferId, secret, secrets };
}

describe('file transfers between people of one room on two servers', () => {
  test('offer, answer, acks, done and verified cross both ways; someone there who is no party is told it does not exist', async () => {
    const { one, two } = service;
    const ann = await join(one, 'files-across', 'Ann');
    const bob = await join(two, 'files-across', 'Bob');
    const cat = await join(two, 'files-across', 'Cat');
    await seeEachOther('files-across', ann, bob, cat);

    const transferId = randomUUID();
    const annSecret = newSecret();
    const offered = await ann.client.request('fileOffer', { transferId, secret: annSecret, meta: META, to: [{ peerId: bob.peerId }] });
    expect(offered).toMatchObject({ ok: true, data: { recipients: [{ peerId: bob.peerId, connected: true }] } });
    await toldOf(bob, 'fileOffered', { transferId, from: { peerId: ann.peerId, name: 'Ann', key: keyOf(annSecret) }, meta: META });
    expect(told(cat, 'fileOffered')).toEqual([]);

    // Cat, on Bob's server, tries everything a party could do: the holder (server 1) says there is no such transfer.
    const catSecret = newSecret();
    const attempts: [string, unknown][] = [
      ['fileAnswer', { transferId, accept: true, secret: catSecret }],
      ['fileAck', { transferId, offset: 1 }],
      ['fileResume', { transferId, secret: catSecret, offset: 0 }],
      ['fileCancel', { transferId, secret: catSecret }],
      ['fileDone', { transferId, key: keyOf(catSecret), sha256: SHA256 }],
      ['fileVerified', { transferId, ok: true }],
      // Offering Ann's transfer under her own secret would move it to server 2: refused by its holder.
      ['fileOffer', { transferId, secret: catSecret, meta: META, to: [{ peerId: bob.peerId }] }],
    ];
    for (const [method, data] of attempts) {
      expect.soft(await cat.client.request(method, data), method).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }

    const bobSecret = newSecret();
    expect(await bob.client.request('fileAnswer', { transferId, accept: true, secret: bobSecret })).toMatchObject({ ok: true });
    await toldOf(ann, 'fileAnswered', { transferId, peerId: bob.peerId, accept: true, key: keyOf(bobSecret) });

    // Acks from server 2 reach the sender on server 1: each is a round trip to the holder and back (timed in the
    // server, as the fake client polls for replies every 5 ms), against a bare Redis round trip.
    const bobsRoom = (await two.services.rooms.find('files-across'))!;
    const bobsPeer = bobsRoom.peers.get(bob.peerId)!;
    const roundTrips: number[] = [];
    const redisTrips: number[] = [];
    for (let offset = 65_536; offset <= 40 * 65_536; offset += 65_536) {
      const startedAt = performance.now();
      await handleFileCall(bobsRoom.files, bobsPeer, { method: 'fileAck', data: { transferId, offset } });
      roundTrips.push(performance.now() - startedAt);
      const pingedAt = performance.now();
      await raw.ping();
      redisTrips.push(performance.now() - pingedAt);
    }
    await toldOf(ann, 'fileAcked', { transferId, peerId: bob.peerId, key: keyOf(bobSecret), offset: 40 * 65_536 });
    expect(await bob.client.request('fileAck', { transferId, offset: 41 * 65_536 })).toMatchObject({ ok: true });
    await toldOf(ann, 'fileAcked', { transferId, peerId: bob.peerId, key: keyOf(bobSecret), offset: 41 * 65_536 });
    const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * p)]!.toFixed(2);
    process.stdout.write(
      `forwarded fileAck (server 2 → holder server 1 → reply): median ${percentile(roundTrips, 0.5)} ms, p90 ${percentile(roundTrips, 0.9)} ms; ` +
        `a Redis PING: median ${percentile(redisTrips, 0.5)} ms\n`,
    );

    expect(await ann.client.request('fileDone', { transferId, key: keyOf(bobSecret), sha256: SHA256 })).toMatchObject({ ok: true });
    await toldOf(bob, 'fileDone', { transferId, sha256: SHA256 });
    expect(await bob.client.request('fileVerified', { transferId, ok: true })).toMatchObject({ ok: true });
    await toldOf(ann, 'fileVerified', { transferId, peerId: bob.peerId, key: keyOf(bobSecret), ok: true });
    expect(told(cat, 'fileDone')).toEqual([]);
    for (const person of [ann, bob, cat]) await person.client.request('leave');
  }, 30_000);

  test('a recipient back as a new person, on either server, resumes with its secret: the sender is told where to go on from', async () => {
    const { one, two } = service;
    const ann = await join(one, 'files-back', 'Ann');
    const bob = await join(two, 'files-back', 'Bob');
    await seeEachOther('files-back', ann, bob);
    const { transferId, secrets } = await acceptedTransfer(ann, [bob]);
    const bobSecret = secrets.get(bob.peerId)!;
    const bobKey = keyOf(bobSecret);
    expect(await bob.client.request('fileAck', { transferId, offset: 100_000 })).toMatchObject({ ok: true });
    await toldOf(ann, 'fileAcked', { transferId, peerId: bob.peerId, key: bobKey, offset: 100_000 });

    // Bob's app comes back through server 1 (his old peer is left behind).
    const bobOnOne = await join(one, 'files-back', 'Bob');
    expect(await bobOnOne.client.request('fileResume', { transferId, secret: bobSecret, offset: 100_000 })).toMatchObject({ ok: true });
    await toldOf(ann, 'fileResumeFrom', { transferId, peerId: bobOnOne.peerId, key: bobKey, offset: 100_000 });

    // …and then through server 2 again, as yet another person: his resume is forwarded to server 1.
    const bobOnTwo = await join(two, 'files-back', 'Bob');
    await seeEachOther('files-back', ann, bobOnTwo);
    expect(await bobOnTwo.client.request('fileResume', { transferId, secret: bobSecret, offset: 150_000 })).toMatchObject({ ok: true });
    await toldOf(ann, 'fileResumeFrom', { transferId, peerId: bobOnTwo.peerId, key: bobKey, offset: 150_000 });
    // The old ones are no longer the recipient; the newest is.
    expect(await bobOnOne.client.request('fileAck', { transferId, offset: 160_000 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await ann.client.request('fileDone', { transferId, key: bobKey, sha256: SHA256 })).toMatchObject({ ok: true });
    await toldOf(bobOnTwo, 'fileDone', { transferId, sha256: SHA256 });
    expect(told(bobOnOne, 'fileDone')).toEqual([]);
    for (const person of [ann, bob, bobOnOne, bobOnTwo]) await person.client.request('leave');
  }, 30_000);

  test('the sender offering again from server 2 moves the transfer there with its state; recipients on either server reach it', async () => {
    const { one, two } = service;
    const ann = await join(one, 'files-move', 'Ann');
    const dan = await join(one, 'files-move', 'Dan');
    const bob = await join(two, 'files-move', 'Bob');
    await seeEachOther('files-move', ann, dan, bob);
    const { transferId, secret, secrets } = await acceptedTransfer(ann, [bob, dan]);
    const [bobKey, danKey] = [keyOf(secrets.get(bob.peerId)!), keyOf(secrets.get(dan.peerId)!)];
    expect(await bob.client.request('fileAck', { transferId, offset: 200_000 })).toMatchObject({ ok: true });
    expect(await dan.client.request('fileAck', { transferId, offset: 100_000 })).toMatchObject({ ok: true });
    await toldOf(ann, 'fileAcked', { transferId, peerId: bob.peerId, key: bobKey, offset: 200_000 });

    // Ann's app comes back through server 2 as a new person and offers the file again, naming her recipients' keys.
    const annOnTwo = await join(two, 'files-move', 'Ann');
    const to = [{ peerId: bob.peerId, key: bobKey }, { peerId: dan.peerId, key: danKey }];
    const again = await annOnTwo.client.request('fileOffer', { transferId, secret, meta: META, to });
    expect(again).toMatchObject({ ok: true });
    expect((again.data as { recipients: unknown[] }).recipients).toEqual(
      expect.arrayContaining([{ peerId: bob.peerId, key: bobKey, connected: true }, { peerId: dan.peerId, key: danKey, connected: true }]),
    );
    expect((await two.services.rooms.find('files-move'))!.files.holds(transferId)).toBe(true);
    expect((await one.services.rooms.find('files-move'))!.files.holds(transferId)).toBe(false);
    expect(JSON.parse((await raw.get(keys.fileTransfer('files-move', transferId)))!)).toEqual({ server: 'server-2', sender: keyOf(secret) });
    // Its state came along: how far each recipient got (a transfer restored from the offer alone knows nothing of it).
    await toldOf(annOnTwo, 'fileAcked', { transferId, peerId: bob.peerId, key: bobKey, offset: 200_000 });
    await toldOf(annOnTwo, 'fileAcked', { transferId, peerId: dan.peerId, key: danKey, offset: 100_000 });

    // Dan, on server 1, resumes: forwarded to server 2, where Ann is told.
    expect(await dan.client.request('fileResume', { transferId, secret: secrets.get(dan.peerId), offset: 100_000 })).toMatchObject({ ok: true });
    await toldOf(annOnTwo, 'fileResumeFrom', { transferId, peerId: dan.peerId, key: danKey, offset: 100_000 });
    expect(await bob.client.request('fileResume', { transferId, secret: secrets.get(bob.peerId), offset: 200_000 })).toMatchObject({ ok: true });
    await toldOf(annOnTwo, 'fileResumeFrom', { transferId, peerId: bob.peerId, key: bobKey, offset: 200_000 });
    // Ann's old self on server 1 is no longer the sender.
    expect(await ann.client.request('fileDone', { transferId, key: danKey, sha256: SHA256 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await dan.client.request('fileAck', { transferId, offset: 10_000_000 })).toMatchObject({ ok: true });
    expect(await annOnTwo.client.request('fileDone', { transferId, key: danKey, sha256: SHA256 })).toMatchObject({ ok: true });
    await toldOf(dan, 'fileDone', { transferId, sha256: SHA256 });
    for (const person of [ann, dan, bob, annOnTwo]) await person.client.request('leave');
  }, 30_000);

  test('a recipient on server 2 whose socket dropped gets the offer it missed when it resumes there', async () => {
    const { one, two } = service;
    const ann = await join(one, 'files-away', 'Ann');
    const bob = await join(two, 'files-away', 'Bob');
    await seeEachOther('files-away', ann, bob);
    bob.client.connection.closed();
    await toldOf(ann, 'peerConnectionChanged', { peerId: bob.peerId, connected: false });
    const transferId = randomUUID();
    const offered = await ann.client.request('fileOffer', { transferId, secret: newSecret(), meta: META, to: [{ peerId: bob.peerId }] });
    expect(offered).toMatchObject({ ok: true, data: { recipients: [{ peerId: bob.peerId, connected: false }] } });

    const back = await join(two, 'files-away', 'Bob', { resume: { peerId: bob.peerId, token: bob.resumeToken } });
    expect(back.peerId).toBe(bob.peerId);
    await waitUntil(() => told(back, 'fileOffered').length === 1, 'the offer again, from server 1', 10_000);
    expect(told(back, 'fileOffered')[0]).toMatchObject({ transferId, from: { peerId: ann.peerId, name: 'Ann' } });
    for (const person of [ann, back]) await person.client.request('leave');
  }, 30_000);

  test('forged bus messages act for nobody a server does not host, and malformed ones are dropped', async () => {
    const { one, two } = service;
    const ann = await join(one, 'files-forged', 'Ann');
    const bob = await join(two, 'files-forged', 'Bob');
    await seeEachOther('files-forged', ann, bob);
    const { transferId, secrets } = await acceptedTransfer(ann, [bob]);
    const bobKey = keyOf(secrets.get(bob.peerId)!);
    const publish = (serverId: string, message: object) => raw.publish(channels.server(serverId), JSON.stringify(message));
    const request = () => randomBytes(12).toString('base64url');
    const droppedBefore = two.bus.stats.dropped;

    // A third "server" acks for Bob, who is server 2's: refused. Server 2 acts for Ann, who is server 1's own: refused.
    await publish('server-1', { kind: 'fileRequest', from: 'server-3', room: 'files-forged', request: request(), asker: { id: bob.peerId, name: 'Bob' }, call: { method: 'fileAck', data: { transferId, offset: 999_999 } } });
    await publish('server-1', { kind: 'fileRequest', from: 'server-2', room: 'files-forged', request: request(), asker: { id: ann.peerId, name: 'Ann' }, call: { method: 'fileCancel', data: { transferId, secret: newSecret() } } });
    // Server 2 is told to pass on a notification that is not about files, and one from a server not in the room.
    await publish('server-2', { kind: 'fileNotify', from: 'server-1', room: 'files-forged', peerId: bob.peerId, notification: { method: 'peerLeft', data: { peerId: ann.peerId } } });
    await publish('server-2', { kind: 'fileNotify', from: 'server-9', room: 'files-forged', peerId: bob.peerId, notification: { method: 'fileCancelled', data: { transferId, by: 'sender' } } });

    // What Bob sends after them arrives after them: by then they were handled.
    expect(await bob.client.request('fileAck', { transferId, offset: 500 })).toMatchObject({ ok: true });
    await toldOf(ann, 'fileAcked', { transferId, peerId: bob.peerId, key: bobKey, offset: 500 });
    expect(told(ann, 'fileAcked').map((data) => (data as { offset: number }).offset)).toEqual([500]);
    expect(told(bob, 'fileCancelled')).toEqual([]);
    expect(told(bob, 'peerLeft')).toEqual([]);
    expect(two.bus.stats.dropped).toBe(droppedBefore + 1);
    for (const person of [ann, bob]) await person.client.request('leave');
  }, 30_000);

  test('a holder that does not answer: a request fails as unavailable, its sender’s offer restores it here; a holder gone leaves it to this server', async () => {
    const { two } = service;
    const bob = await join(two, 'files-ghost', 'Bob');
    const ann = await join(two, 'files-ghost', 'Ann');
    const silent = await service.redis.connect('silent');
    await silent.subscribe(channels.server('server-silent'));
    const locate = (transferId: string, server: string, sender: string) =>
      raw.set(keys.fileTransfer('files-ghost', transferId), JSON.stringify({ server, sender }), 'PX', 60_000);
    try {
      const stuck = randomUUID();
      const annSecret = newSecret();
      await locate(stuck, 'server-silent', keyOf(annSecret));
      const startedAt = performance.now();
      const reply = await bob.client.request('fileAck', { transferId: stuck, offset: 1 });
      expect(reply).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);

      // Its sender (back on this server) offers it again: it is restored here from the offer, as after a restart.
      const bobKey = keyOf(newSecret());
      const restored = await ann.client.request('fileOffer', { transferId: stuck, secret: annSecret, meta: META, to: [{ peerId: bob.peerId, key: bobKey }] });
      expect(restored).toMatchObject({ ok: true, data: { recipients: [{ peerId: bob.peerId, key: bobKey, connected: true }] } });
      expect(JSON.parse((await raw.get(keys.fileTransfer('files-ghost', stuck)))!)).toEqual({ server: 'server-2', sender: keyOf(annSecret) });

      // Nobody listens for a server that is gone: answered here at once (no such transfer), without waiting…
      const orphan = randomUUID();
      await locate(orphan, 'server-gone', keyOf(annSecret));
      const orphanAt = performance.now();
      expect(await bob.client.request('fileAck', { transferId: orphan, offset: 1 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect(performance.now() - orphanAt).toBeLessThan(REQUEST_TIMEOUT_MS / 2);
      // …but its id stays its sender's: someone else offering a file under it is refused.
      const taken = await bob.client.request('fileOffer', { transferId: orphan, secret: newSecret(), meta: META, to: [{ peerId: ann.peerId }] });
      expect(taken).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect(told(ann, 'fileOffered')).toEqual([]);
    } finally {
      silent.disconnect();
      for (const person of [ann, bob]) await person.client.request('leave');
    }
  }, 30_000);
});
