import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeChunkFrame, encodeChunkFrame, FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import { waitUntil } from '../../test/support/poll.ts';
import { FileLinks, LINK_CLAIM_MS, MAX_FILE_LINKS_PER_PEER } from './links.ts';
import { FileStats } from './stats.ts';
import { Peer } from '../sfu/peer.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';
import { metricsReader } from '../testing/metrics.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;
let metric: (series: string) => Promise<number>;

beforeAll(async () => {
  services = await createTestServices();
  metric = metricsReader(services);
});
afterAll(() => services.pool.close());

const TRANSFER = '0f8fad5b-d9cb-469f-a165-70867728950e';
const secret = (who: string) => `${who}-secret-`.padEnd(32, 'x');

/*
 * A browser's SCTP association cannot be made in Node, so each peer's transport here is a DirectTransport on the
 * room's router: the frames still go through the mediasoup worker, DataProducer → DataConsumers, as they do for
 * browsers, and the link's audience rules and byte counts are the server's own.
 */
describe('a file link through mediasoup', () => {
  test('carries the sender’s frames to exactly its audience, counts bytes once in and once per receiver, never through Node', async () => {
    const clients = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan'].map(async (name) => {
      const client = new FakeClient(services);
      return { client, peerId: (await client.join('file-link', name)).peerId };
    }));
    const room = (await services.rooms.find('file-link'))!;
    const [ann, bob, cat, dan] = clients.map(({ peerId }) => room.peers.get(peerId)!) as [Peer, Peer, Peer, Peer];
    const direct = async () => room.router.createDirectTransport();
    const chatBytesBefore = services.rooms.dataStats.bytesIn;

    const linkId = room.fileLinks.open(ann, [bob.id, cat.id]);
    const producer = await room.fileLinks.produce(ann, await direct(), linkId);
    const received = new Map<string, number[]>();
    const consumers: types.DataConsumer[] = [];
    for (const peer of [bob, cat]) {
      const consumer = await room.fileLinks.consume(peer, producer.id, await direct());
      consumers.push(consumer);
      received.set(peer.id, []);
      consumer.on('message', (payload) => {
        const frame = decodeChunkFrame(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength) as ArrayBuffer);
        received.get(peer.id)!.push(frame!.offset);
      });
    }
    await expect(room.fileLinks.consume(dan, producer.id, await direct())).rejects.toMatchObject({ code: 'not_found' });
    expect(dan.dataConsumers.size).toBe(0);

    const chunks = 24;
    const payload = new Uint8Array(FILE_CHUNK_SIZE).fill(7);
    for (let index = 0; index < chunks; index++) producer.send(Buffer.from(encodeChunkFrame(TRANSFER, index * FILE_CHUNK_SIZE, payload)));
    await waitUntil(() => [...received.values()].every((offsets) => offsets.length === chunks), 'every chunk at Bob and Cat');
    const offsets = Array.from({ length: chunks }, (_, index) => index * FILE_CHUNK_SIZE);
    expect(received.get(bob.id)).toEqual(offsets);
    expect(received.get(cat.id)).toEqual(offsets);

    // One upload, fanned out: the e2e "sending to everyone uploads once" compares these two.
    const frameBytes = chunks * (FILE_CHUNK_SIZE + 25);
    expect(await metric('huddle_file_bytes_received_total')).toBe(frameBytes);
    expect(await metric('huddle_file_bytes_relayed_total')).toBe(2 * frameBytes);
    // The room's DirectTransport listens to chat only: no file byte passed through Node.
    expect(services.rooms.dataStats.bytesIn).toBe(chatBytesBefore);

    // Closed by its owner: every receiver's consumer goes with it, and the totals stay.
    await room.fileLinks.close(ann, linkId);
    await waitUntil(() => consumers.every((consumer) => consumer.closed), 'the consumers closed with the link');
    expect(bob.dataConsumers.size + cat.dataConsumers.size + ann.dataProducers.size).toBe(0);
    expect(await metric('huddle_file_bytes_received_total')).toBe(frameBytes);
    expect(await metric('huddle_file_bytes_relayed_total')).toBe(2 * frameBytes);
    for (const { client } of clients) await client.request('leave');
  });
});

describe('/metrics for transfers', () => {
  test('a transfer is active until its recipient’s verdict, and a matching digest counts as completed', async () => {
    const ann = new FakeClient(services);
    const bob = new FakeClient(services);
    await ann.join('file-metrics', 'Ann');
    const bobId = (await bob.join('file-metrics', 'Bob')).peerId;
    const completedBefore = await metric('huddle_file_transfers_completed_total');
    const meta = { name: 'notes.txt', size: 0, type: 'text/plain', firstChunkSha256: 'f'.repeat(64) };
    await ann.request('fileOffer', { transferId: TRANSFER, secret: secret('ann'), meta, to: [{ peerId: bobId }] });
    expect(await metric('huddle_file_transfers_active')).toBe(1);
    await bob.request('fileAnswer', { transferId: TRANSFER, accept: true, secret: secret('bob') });
    const bobKey = (ann.notifications('fileAnswered')[0]!.data as { key: string }).key;
    expect(await ann.request('fileDone', { transferId: TRANSFER, key: bobKey, sha256: 'f'.repeat(64) })).toMatchObject({ ok: true });
    expect(await metric('huddle_file_transfers_active')).toBe(1);
    expect(await bob.request('fileVerified', { transferId: TRANSFER, ok: true })).toMatchObject({ ok: true });
    expect(await metric('huddle_file_transfers_active')).toBe(0);
    expect(await metric('huddle_file_transfers_completed_total')).toBe(completedBefore + 1);
    await ann.request('leave');
    await bob.request('leave');
  });
});

describe('links never given a data producer', () => {
  test('stop counting against their owner once their time to be claimed is over', () => {
    const channel = { notify() {}, drop() {}, fence() {} };
    const [ann, bob] = [new Peer('Ann', channel), new Peer('Bob', channel)];
    const clock = { now: 0 };
    const links = new FileLinks(new Map([ann, bob].map((peer) => [peer.id, peer])), new FileStats(), () => clock.now);
    for (let index = 0; index < MAX_FILE_LINKS_PER_PEER; index++) links.open(ann, [bob.id]);
    expect(() => links.open(ann, [bob.id])).toThrow(expect.objectContaining({ code: 'bad_state' }));
    clock.now += LINK_CLAIM_MS + 1;
    expect(links.open(ann, [bob.id])).toEqual(expect.any(String));
    expect(links.size).toBe(1);
    links.dispose();
  });
});

