import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { memoryTransferStore, openTransferStore, type StoredIncoming, type TransferStore } from './transferStore.ts';

let dbCount = 0;
const freshName = () => `transfers-test-${++dbCount}`;

const meta = { name: 'été.mp4', size: 300, type: 'video/mp4', firstChunkSha256: 'a'.repeat(64) };
const incoming = (received: number): StoredIncoming => ({
  direction: 'in',
  id: '00000000-0000-4000-8000-000000000001',
  secret: 's'.repeat(22),
  meta,
  from: { peerId: 'ann', name: 'Ann', key: 'b'.repeat(64) },
  received,
  hashState: new Uint8Array([received % 256, 1, 2]),
  createdAt: 1,
});
const chunk = (offset: number) => ({ transferId: incoming(0).id, offset, bytes: new Uint8Array(100).fill(offset / 100 + 1) });

async function checkStore(open: () => Promise<TransferStore>) {
  const store = await open();
  await store.persistReceived(incoming(200), [chunk(0), chunk(100)], 0);
  // The download took the first chunk: it is forgotten in the same transaction as the next batch.
  await store.persistReceived(incoming(300), [chunk(200)], 100);

  const reloaded = await open();
  const [record] = await reloaded.loadTransfers();
  expect(record).toMatchObject({ received: 300, hashState: new Uint8Array([44, 1, 2]), meta });
  expect((await reloaded.loadChunks(incoming(0).id, 100)).map((kept) => kept.offset)).toEqual([100, 200]);
  // A download that took part of a chunk still gets the chunk holding its next byte.
  expect((await reloaded.loadChunks(incoming(0).id, 150)).map((kept) => kept.offset)).toEqual([100, 200]);
  expect((await reloaded.loadChunks(incoming(0).id, 200))[0]!.bytes).toEqual(new Uint8Array(100).fill(3));

  await reloaded.removeTransfer(incoming(0).id);
  expect(await reloaded.loadTransfers()).toEqual([]);
  expect(await reloaded.loadChunks(incoming(0).id, 0)).toEqual([]);
}

describe('transfer store', () => {
  test('IndexedDB: the record and received chunks survive a reload; written chunks and finished transfers are forgotten', async () => {
    const name = freshName();
    await checkStore(async () => (await openTransferStore(name))!);
  });

  test('memory: the same behaviour', async () => {
    const store = memoryTransferStore();
    await checkStore(async () => store);
  });
});
