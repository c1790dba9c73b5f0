import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setUpMedia } from '../testing/fakeMedia.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';
import { chatFeedOf } from './roomEvents.ts';

const PASSWORD = 'correct horse battery';
let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

describe('a room whose worker dies', () => {
  test('comes back with a new chat feed that works, and its history and numbering carry on', async () => {
    const ann = new FakeClient(services);
    // With a password: its history is kept under the meeting, which the recreated room carries on.
    const before = await ann.join('chat-doomed', 'Ann', { password: PASSWORD });
    const doomed = (await services.rooms.find('chat-doomed'))!;
    const annPeer = doomed.peers.get(before.peerId)!;
    for (const id of ['before-crash-1', 'before-crash-2']) {
      await services.chat.receive(chatFeedOf(doomed), annPeer, Buffer.from(JSON.stringify({ type: 'send', id, text: id })), true);
    }
    const deadPid = doomed.slot.worker.pid;

    process.kill(deadPid, 'SIGKILL');
    await expect.poll(() => ann.terminated, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => doomed.slot.worker.pid !== deadPid && !doomed.slot.restarting, { timeout: 10_000 }).toBe(true);

    // Ann's app joins afresh (her peer went with the worker) into the room made anew on the new worker.
    const annAgain = new FakeClient(services);
    const after = await annAgain.join('chat-doomed', 'Ann', { password: PASSWORD });
    expect(after.chat.dataProducerId).not.toBe(before.chat.dataProducerId);
    expect(after.chat.lastSeq).toBe(2);
    const history = (await annAgain.request('chatHistory', { afterSeq: 0, limit: 10 })).data as { messages: { id: string }[] };
    expect(history.messages.map((message) => message.id)).toEqual(['before-crash-1', 'before-crash-2']);

    // The new feed carries the next message, numbered on from the old ones.
    await setUpMedia(annAgain, after.routerRtpCapabilities);
    expect(await annAgain.request('consumeData', { dataProducerId: after.chat.dataProducerId })).toMatchObject({ ok: true });
    const reborn = (await services.rooms.find('chat-doomed'))!;
    const direct = await reborn.router.createDirectTransport();
    const listener: types.DataConsumer = await direct.consumeData({ dataProducerId: after.chat.dataProducerId });
    const received: string[] = [];
    listener.on('message', (payload) => received.push(payload.toString()));
    const annPeerAgain = reborn.peers.get(after.peerId)!;
    const frame = Buffer.from(JSON.stringify({ type: 'send', id: 'after-crash-1', text: 'back' }));
    await services.chat.receive(chatFeedOf(reborn), annPeerAgain, frame, true);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    expect(JSON.parse(received[0]!)).toMatchObject({ type: 'message', message: { seq: 3, id: 'after-crash-1' } });
    await annAgain.request('leave');
  });
});
