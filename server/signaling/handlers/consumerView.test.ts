import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { consume, produceFake } from '../../testing/fakeMedia.ts';
import { createTestServices, joinWithMedia } from '../../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;
beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

/** Bob receives Ann's camera and microphone; returns the server's view of Bob's consumers. */
async function annAndBob(room: string) {
  const ann = await joinWithMedia(services, room, 'Ann');
  const bob = await joinWithMedia(services, room, 'Bob');
  const cam = await consume(bob.client, await produceFake(ann.client, ann.sendTransportId, 'cam'));
  const mic = await consume(bob.client, await produceFake(ann.client, ann.sendTransportId, 'mic'));
  await bob.client.request('resumeConsumer', { consumerId: cam });
  await bob.client.request('resumeConsumer', { consumerId: mic });
  const serverRoom = await services.rooms.find(room);
  const consumerOf = (id: string) => serverRoom?.peers.get(bob.peerId)?.consumers.get(id);
  return { ann, bob, cam, mic, consumerOf };
}

describe('setConsumerView', () => {
  test('a tile out of view pauses its consumer on the server; back in view resumes it', async () => {
    const { bob, cam, consumerOf } = await annAndBob('view-pause');
    expect(consumerOf(cam)?.paused).toBe(false);
    expect((await bob.client.request('setConsumerView', { consumerId: cam, spatialLayer: 0, visible: false })).ok).toBe(true);
    expect(consumerOf(cam)?.paused).toBe(true);
    expect((await bob.client.request('setConsumerView', { consumerId: cam, spatialLayer: 1, visible: true })).ok).toBe(true);
    expect(consumerOf(cam)?.paused).toBe(false);
  });

  test('sound has no view: an audio consumer is refused and keeps playing', async () => {
    const { bob, mic, consumerOf } = await annAndBob('view-audio');
    const reply = await bob.client.request('setConsumerView', { consumerId: mic, spatialLayer: 0, visible: false });
    expect(reply.error?.code).toBe('bad_request');
    expect(consumerOf(mic)?.paused).toBe(false);
  });

  test("nobody can pause someone else's consumer, and a layer out of range is refused", async () => {
    const { ann, bob, cam, consumerOf } = await annAndBob('view-owner');
    expect((await ann.client.request('setConsumerView', { consumerId: cam, spatialLayer: 0, visible: false })).error?.code).toBe('not_found');
    expect((await bob.client.request('setConsumerView', { consumerId: cam, spatialLayer: 3, visible: true })).error?.code).toBe('bad_request');
    expect(consumerOf(cam)?.paused).toBe(false);
  });
});
