import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../../../test/support/poll.ts';
import { MAX_FILE_LINKS_PER_PEER } from '../../files/links.ts';
import { keyOf } from '../../files/transfer.ts';
import { setUpMedia } from '../../testing/fakeMedia.ts';
import { createTestServices, FakeClient } from '../../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

const TRANSFER = '0f8fad5b-d9cb-469f-a165-70867728950e';
const META = { name: 'Überweisung März.pdf', size: 300_000, type: 'application/pdf', firstChunkSha256: 'c'.repeat(64) };
const secret = (who: string) => `${who}-secret-`.padEnd(32, 'x');
const FILE_STREAM = { streamId: 3, ordered: true };

async function joinWithMedia(room: string, name: string) {
  const client = new FakeClient(services);
  const joined = await client.join(room, name);
  const media = await setUpMedia(client, joined.routerRtpCapabilities);
  return { client, peerId: joined.peerId, resumeToken: joined.resumeToken, ...media };
}

async function people(room: string, ...names: string[]) {
  const joined = [];
  for (const name of names) joined.push(await joinWithMedia(room, name));
  return joined;
}

const leaveAll = async (...clients: { client: FakeClient }[]) => {
  for (const { client } of clients) await client.request('leave');
};

describe('a transfer’s messages', () => {
  test('reach its parties only; a peer who is not one is told the transfer does not exist', async () => {
    const [ann, bob, cat] = await people('files-parties', 'Ann', 'Bob', 'Cat');
    const offer = { transferId: TRANSFER, secret: secret('ann'), meta: META, to: [{ peerId: bob!.peerId }] };
    const offered = await ann!.client.request('fileOffer', offer);
    expect(offered).toMatchObject({ ok: true, data: { recipients: [{ peerId: bob!.peerId, connected: true }] } });
    expect(bob!.client.notifications('fileOffered').map((n) => n.data)).toEqual([
      { transferId: TRANSFER, from: { peerId: ann!.peerId, name: 'Ann', key: keyOf(secret('ann')) }, meta: META },
    ]);
    expect(cat!.client.notifications('fileOffered')).toEqual([]);

    // Cat tries everything a party could do, with well-formed data.
    const attempts: [string, unknown][] = [
      ['fileAnswer', { transferId: TRANSFER, accept: true, secret: secret('cat') }],
      ['fileAck', { transferId: TRANSFER, offset: 1 }],
      ['fileResume', { transferId: TRANSFER, secret: secret('cat'), offset: 0 }],
      ['fileCancel', { transferId: TRANSFER, secret: secret('cat') }],
      ['fileDone', { transferId: TRANSFER, key: keyOf(secret('cat')), sha256: 'd'.repeat(64) }],
      ['fileVerified', { transferId: TRANSFER, ok: true }],
      ['fileOffer', { transferId: TRANSFER, secret: secret('cat'), meta: META, to: [{ peerId: bob!.peerId }] }],
    ];
    for (const [method, data] of attempts) {
      expect.soft(await cat!.client.request(method, data), method).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(ann!.client.sent.filter((message) => message.method?.startsWith('file'))).toEqual([]);

    expect(await bob!.client.request('fileAnswer', { transferId: TRANSFER, accept: true, secret: secret('bob') })).toMatchObject({ ok: true });
    expect(await bob!.client.request('fileAck', { transferId: TRANSFER, offset: 65536 })).toMatchObject({ ok: true });
    expect(ann!.client.notifications('fileAnswered').map((n) => n.data)).toEqual([
      { transferId: TRANSFER, peerId: bob!.peerId, accept: true, key: keyOf(secret('bob')) },
    ]);
    expect(ann!.client.notifications('fileAcked')).toHaveLength(1);
    expect(cat!.client.sent.filter((message) => message.method?.startsWith('file'))).toEqual([]);

    // The same transfer id in another room is another room's business.
    const [olga] = await people('files-parties-elsewhere', 'Olga');
    expect(await olga!.client.request('fileCancel', { transferId: TRANSFER, secret: secret('ann') })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(bob!.client.notifications('fileCancelled')).toEqual([]);
    await leaveAll(ann!, bob!, cat!, olga!);
  });

  test('a recipient whose socket dropped gets the offer it missed when it resumes, after the join reply', async () => {
    const [ann, bob] = await people('files-resume', 'Ann', 'Bob');
    bob!.client.connection.closed();
    await waitUntil(() => ann!.client.notifications('peerConnectionChanged').length > 0, 'Bob seen as away');
    await ann!.client.request('fileOffer', { transferId: TRANSFER, secret: secret('ann'), meta: META, to: [{ peerId: bob!.peerId }] });

    const back = new FakeClient(services);
    await back.join('files-resume', 'Bob', { resume: { peerId: bob!.peerId, token: bob!.resumeToken } });
    await waitUntil(() => back.notifications('fileOffered').length === 1, 'the offer again');
    const joinReply = back.sent.findIndex((message) => 'ok' in message && (message.data as { resumed?: boolean } | undefined)?.resumed);
    expect(back.sent.findIndex((message) => message.method === 'fileOffered')).toBeGreaterThan(joinReply);
    await back.request('leave');
    await ann!.client.request('leave');
  });

  test('a sender whose page reloaded offers again as a new peer: it takes the transfer over and hears how far Bob got', async () => {
    const [ann, bob] = await people('files-reload', 'Ann', 'Bob');
    const offer = { transferId: TRANSFER, secret: secret('ann'), meta: META, to: [{ peerId: bob!.peerId }] };
    await ann!.client.request('fileOffer', offer);
    await bob!.client.request('fileAnswer', { transferId: TRANSFER, accept: true, secret: secret('bob') });
    await ann!.client.request('leave'); // her page reloaded: the old peer is gone
    await bob!.client.request('fileAck', { transferId: TRANSFER, offset: 131072 });

    const [annAgain] = await people('files-reload', 'Ann');
    const bobKey = keyOf(secret('bob'));
    const again = await annAgain!.client.request('fileOffer', { ...offer, to: [{ peerId: bob!.peerId, key: bobKey }] });
    expect(again).toMatchObject({ ok: true, data: { recipients: [{ peerId: bob!.peerId, key: bobKey, connected: true }] } });
    await waitUntil(() => annAgain!.client.notifications('fileAcked').length === 1, 'how far Bob got');
    const acked = annAgain!.client.notifications('fileAcked')[0]!.data;
    expect(acked).toEqual({ transferId: TRANSFER, peerId: bob!.peerId, key: bobKey, offset: 131072 });
    const reply = annAgain!.client.sent.findIndex((message) => (message.data as { recipients?: unknown } | undefined)?.recipients);
    expect(annAgain!.client.sent.findIndex((message) => message.method === 'fileAcked')).toBeGreaterThan(reply);
    // Messages for the sender reach her new peer now.
    await bob!.client.request('fileCancel', { transferId: TRANSFER, secret: secret('bob') });
    const cancelled = annAgain!.client.notifications('fileCancelled').map((n) => n.data);
    expect(cancelled).toEqual([{ transferId: TRANSFER, by: 'receiver', key: bobKey }]);
    await leaveAll(annAgain!, bob!);
  });
});

describe('file links', () => {
  test('only their audience is told and can consume; the server does not consume them', async () => {
    const [ann, bob, cat] = await people('files-links', 'Ann', 'Bob', 'Cat');
    const opened = await ann!.client.request('openFileLink', { audience: [bob!.peerId] });
    const { linkId } = opened.data as { linkId: string };
    const produce = (client: FakeClient, transportId: string, extra: Record<string, unknown>) =>
      client.request('produceData', { transportId, label: 'file', sctpStreamParameters: FILE_STREAM, ...extra });

    expect(await produce(ann!.client, ann!.sendTransportId, {})).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await produce(cat!.client, cat!.sendTransportId, { linkId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const produced = await produce(ann!.client, ann!.sendTransportId, { linkId });
    const { dataProducerId } = produced.data as { dataProducerId: string };
    expect(await produce(ann!.client, ann!.sendTransportId, { linkId })).toMatchObject({ ok: false, error: { code: 'bad_state' } });

    expect(bob!.client.notifications('fileLinkOpened').map((n) => n.data)).toEqual([{ linkId, dataProducerId, from: ann!.peerId }]);
    expect(cat!.client.notifications('fileLinkOpened')).toEqual([]);
    expect(await cat!.client.request('consumeData', { dataProducerId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(ann!.client.notifications('fileLinkReady')).toEqual([]);
    expect(await bob!.client.request('consumeData', { dataProducerId })).toMatchObject({
      ok: true,
      data: { dataProducerId, label: 'file', sctpStreamParameters: { streamId: expect.any(Number) } },
    });
    // Ann may send now: Bob consumes the link.
    await waitUntil(() => ann!.client.notifications('fileLinkReady').length === 1, 'Ann told the link is ready');
    expect(ann!.client.notifications('fileLinkReady')[0]!.data).toEqual({ linkId, peerId: bob!.peerId });

    // In the worker, Bob's consumer is the only one: the room's DirectTransport does not listen to file links.
    const room = (await services.rooms.find('files-links'))!;
    const bobPeer = room.peers.get(bob!.peerId)!;
    const dump = await room.router.dump();
    const consumersOfLink = dump.mapDataProducerIdDataConsumerIds.find((entry) => entry.key === dataProducerId)?.values;
    expect(consumersOfLink).toEqual([...bobPeer.dataConsumers.keys()]);

    // Its audience or owner only: Cat's id is unknown to her, Ann's to close is Ann's.
    expect(await cat!.client.request('closeFileLink', { linkId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await ann!.client.request('closeFileLink', { linkId })).toMatchObject({ ok: true });
    await waitUntil(() => bobPeer.dataConsumers.size === 0, "Bob's consumer closed with the link");
    await leaveAll(ann!, bob!, cat!);
  });

  test('a stream id the sender already uses is its mistake, said so, and the link stays usable', async () => {
    const [ann, bob] = await people('files-link-stream', 'Ann', 'Bob');
    const chat = { transportId: ann!.sendTransportId, label: 'chat', sctpStreamParameters: { streamId: 0 } };
    expect(await ann!.client.request('produceData', chat)).toMatchObject({ ok: true });
    const { linkId } = (await ann!.client.request('openFileLink', { audience: [bob!.peerId] })).data as { linkId: string };
    const file = (streamId: number) => ({ transportId: ann!.sendTransportId, label: 'file', sctpStreamParameters: { streamId }, linkId });
    expect(await ann!.client.request('produceData', file(0))).toMatchObject({
      ok: false,
      error: { code: 'media_error', message: expect.stringContaining('streamId already exists') },
    });
    expect(await ann!.client.request('produceData', file(1))).toMatchObject({ ok: true });
    await leaveAll(ann!, bob!);
  });

  test('an audience of yourself or of someone not here is refused, and a peer holds a bounded number of links', async () => {
    const [ann, bob] = await people('files-link-limits', 'Ann', 'Bob');
    expect(await ann!.client.request('openFileLink', { audience: [ann!.peerId] })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await ann!.client.request('openFileLink', { audience: ['not-a-peer'] })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    for (let index = 0; index < MAX_FILE_LINKS_PER_PEER; index++) {
      expect(await ann!.client.request('openFileLink', { audience: [bob!.peerId] })).toMatchObject({ ok: true });
    }
    expect(await ann!.client.request('openFileLink', { audience: [bob!.peerId] })).toMatchObject({
      ok: false,
      error: { code: 'bad_state', message: expect.stringContaining('closeFileLink') },
    });
    // Bob's own allowance is his.
    expect(await bob!.client.request('openFileLink', { audience: [ann!.peerId] })).toMatchObject({ ok: true });
    // Links toward nobody left in the room make room for new ones.
    await bob!.client.request('leave');
    const [cat] = await people('files-link-limits', 'Cat');
    expect(await ann!.client.request('openFileLink', { audience: [cat!.peerId] })).toMatchObject({ ok: true });
    await leaveAll(ann!, cat!);
  });

  test('a receiver that makes a new receive transport (a reload) is told again about links toward it', async () => {
    const [ann, bob] = await people('files-link-again', 'Ann', 'Bob');
    const { linkId } = (await ann!.client.request('openFileLink', { audience: [bob!.peerId] })).data as { linkId: string };
    await ann!.client.request('produceData', { transportId: ann!.sendTransportId, label: 'file', sctpStreamParameters: FILE_STREAM, linkId });
    const { dataProducerId } = bob!.client.notifications('fileLinkOpened')[0]!.data as { dataProducerId: string };
    await bob!.client.request('consumeData', { dataProducerId });
    expect(await bob!.client.request('createTransport', { direction: 'recv' })).toMatchObject({ ok: true });
    await waitUntil(() => bob!.client.notifications('fileLinkOpened').length === 2, 'the link named again');
    expect(await bob!.client.request('consumeData', { dataProducerId })).toMatchObject({ ok: true, data: { label: 'file' } });
    // The link goes with its owner: Bob's consumer closes, and the room forgets the link.
    const room = (await services.rooms.find('files-link-again'))!;
    const bobPeer = room.peers.get(bob!.peerId)!;
    expect(bobPeer.dataConsumers.size).toBe(1);
    await ann!.client.request('leave');
    await waitUntil(() => bobPeer.dataConsumers.size === 0 && room.fileLinks.size === 0, 'the link gone with Ann');
    await bob!.client.request('leave');
  });
});
