import { describe, expect, test } from 'vitest';
import { FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import * as v from 'valibot';
import { transferIdSchema } from '../../shared/protocol/index.ts';
import { firstChunkSha256, IncrementalSha256, randomSecret, randomTransferId, sha256OfSource } from './sha256.ts';
import { FakeSource, patternBytes, sha256Of } from './testFakes.ts';

describe('SHA-256 of transfers', () => {
  test('hashing split input, with the state saved and taken up by a new hasher midway, equals the digest of the whole', async () => {
    const file = patternBytes(3 * 1024 * 1024 + 12_345);
    const cuts = [0, 1, 63, 64 * 1024 + 7, 1_000_000, 2_500_001, file.byteLength];
    let hasher = await IncrementalSha256.create();
    for (let i = 0; i + 1 < cuts.length; i++) {
      hasher.update(file.subarray(cuts[i], cuts[i + 1]));
      if (i === 3) hasher = await IncrementalSha256.create(hasher.save()); // a reload between two pieces
    }
    expect(hasher.digest()).toBe(sha256Of(file));
  });

  test('a saved state is a copy: hashing on does not change it', async () => {
    const hasher = await IncrementalSha256.create();
    hasher.update(new Uint8Array([1, 2, 3]));
    const saved = hasher.save().slice();
    const state = hasher.save();
    hasher.update(new Uint8Array([4]));
    expect(state).toEqual(saved);
    const resumed = await IncrementalSha256.create(state);
    resumed.update(new Uint8Array([9]));
    expect(resumed.digest()).toBe(sha256Of(new Uint8Array([1, 2, 3, 9])));
  });

  test('the whole file is hashed in pieces of at most 1 MiB; the first chunk is the first 64 KiB', async () => {
    const source = new FakeSource('a.bin', patternBytes(5 * 1024 * 1024 + 3));
    expect(await sha256OfSource(source)).toBe(sha256Of(source.bytes));
    expect(source.largestRead).toBe(1024 * 1024);
    expect(await firstChunkSha256(source)).toBe(sha256Of(source.bytes.subarray(0, FILE_CHUNK_SIZE)));
    expect(await sha256OfSource(new FakeSource('empty', new Uint8Array()))).toBe(sha256Of(''));
  });

  test('a transfer id is a lowercase v4 UUID the protocol accepts, fresh each time', () => {
    const id = randomTransferId();
    expect(v.is(transferIdSchema, id)).toBe(true);
    expect(id[14]).toBe('4');
    expect(randomTransferId()).not.toBe(id);
  });

  test('a secret is URL-safe and fresh each time', () => {
    const secret = randomSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{22,64}$/);
    expect(randomSecret()).not.toBe(secret);
  });
});
