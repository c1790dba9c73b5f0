import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestServices } from '../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices({ workers: 2 });
});
afterAll(() => services.pool.close());

describe('room registry and worker pool', () => {
  test('rooms spread across workers, one router each with Opus, VP8 and H264', async () => {
    const [a, b] = await Promise.all([services.rooms.getOrCreate('spread-a'), services.rooms.getOrCreate('spread-b')]);
    expect(a.slot).not.toBe(b.slot);
    const mimeTypes = a.router.rtpCapabilities.codecs?.map((codec) => codec.mimeType) ?? [];
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    a.close();
    b.close();
    expect(services.pool.slots.map((slot) => slot.rooms)).toEqual([0, 0]);
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
