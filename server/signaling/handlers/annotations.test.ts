import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '../../../shared/protocol/index.ts';
import { waitUntil } from '../../../test/support/poll.ts';
import { AnnotationService } from '../../annotations/service.ts';
import { chatRoomEvents } from '../../chat/roomEvents.ts';
import { vp8RtpParameters } from '../../testing/fakeMedia.ts';
import { createTestServices, FakeClient, joinWithMedia as joinWith } from '../../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

const joinWithMedia = (room: string, name: string) => joinWith(services, room, name);

async function shareScreen(client: FakeClient, transportId: string): Promise<string> {
  const rtpParameters = vp8RtpParameters(Math.floor(Math.random() * 2 ** 31));
  const reply = await client.request('produce', { transportId, kind: 'video', source: 'screen', rtpParameters, paused: false });
  expect(reply).toMatchObject({ ok: true });
  return (reply.data as { producerId: string }).producerId;
}

/** The room's data-channel dispatch, fed as the server's DataConsumer of a peer's chat channel feeds it. */
async function sendUp(roomName: string, peerId: string, frame: unknown) {
  const room = (await services.rooms.find(roomName))!;
  const dispatch = chatRoomEvents(services.chat, annotations);
  dispatch.dataMessage(room, { peer: room.peers.get(peerId)!, label: 'chat', payload: Buffer.from(JSON.stringify(frame)), ppid: 51 });
}
const annotations = new AnnotationService();

/** Listens to the room's chat feed through the worker, as a peer's DataConsumer does (without SCTP). */
async function listenToFeed(roomName: string, dataProducerId: string) {
  const room = (await services.rooms.find(roomName))!;
  const direct = await room.router.createDirectTransport();
  const consumer: types.DataConsumer = await direct.consumeData({ dataProducerId });
  const received: { type: string; rev?: number; op?: { kind: string } }[] = [];
  consumer.on('message', (payload) => received.push(JSON.parse(payload.toString())));
  return received;
}

const stroke = (board: string, strokeId = 'stroke-0001') => ({
  type: 'annotate',
  op: { kind: 'stroke', board, strokeId, color: '#0a84ff', width: 30, from: 0, points: [5000, 5000, 6000, 6000] },
});

describe('annotations in a room', () => {
  test('a stroke on a live share reaches the feed and the state; the state goes when the share ends', async () => {
    const ann = await joinWithMedia('annotate-share', 'Ann');
    const bob = await joinWithMedia('annotate-share', 'Bob');
    const feed = await listenToFeed('annotate-share', ann.joined.chat.dataProducerId);
    const annId = ann.joined.peerId;

    // No share yet: nothing to draw on.
    await sendUp('annotate-share', bob.joined.peerId, stroke(annId, 'stroke-early'));
    expect(await bob.client.request('annotationState')).toMatchObject({ ok: true, data: { rev: 0, boards: [] } });

    const screenId = await shareScreen(ann.client, ann.sendTransportId);
    await sendUp('annotate-share', bob.joined.peerId, stroke(annId));
    // Chat still flows on the same channel, beside the annotations.
    await sendUp('annotate-share', bob.joined.peerId, { type: 'send', id: 'msg-000001', text: 'look here' });
    await waitUntil(() => feed.length === 2, 'the stroke and the message on the feed');
    expect(feed.map((frame) => frame.type)).toEqual(['annotation', 'message']);
    const state = await ann.client.request('annotationState');
    expect(state).toMatchObject({
      ok: true,
      data: { rev: 1, boards: [{ board: annId, strokes: [{ id: 'stroke-0001', author: bob.joined.peerId, points: [5000, 5000, 6000, 6000] }] }] },
    });

    // The share stops: everyone is told, and a late joiner gets no board.
    expect(await ann.client.request('closeProducer', { producerId: screenId })).toMatchObject({ ok: true });
    await waitUntil(() => feed.length === 3, 'the clear of the ended share on the feed');
    expect(feed[2]).toMatchObject({ type: 'annotation', rev: 2, op: { kind: 'clear', board: annId } });
    expect(await bob.client.request('annotationState')).toMatchObject({ ok: true, data: { rev: 2, boards: [] } });
    // Drawing on the ended share is refused.
    await sendUp('annotate-share', bob.joined.peerId, stroke(annId, 'stroke-0002'));
    expect(await bob.client.request('annotationState')).toMatchObject({ ok: true, data: { rev: 2, boards: [] } });

    await ann.client.request('leave');
    await bob.client.request('leave');
  });

  test('the sharer leaving drops their board', async () => {
    const ann = await joinWithMedia('annotate-leave', 'Ann');
    const bob = await joinWithMedia('annotate-leave', 'Bob');
    await shareScreen(ann.client, ann.sendTransportId);
    await sendUp('annotate-leave', bob.joined.peerId, stroke(ann.joined.peerId));
    expect(((await bob.client.request('annotationState')).data as { boards: unknown[] }).boards).toHaveLength(1);
    await ann.client.request('leave');
    expect(await bob.client.request('annotationState')).toMatchObject({ ok: true, data: { rev: 2, boards: [] } });
    await bob.client.request('leave');
  });

  test('annotationState needs a joined peer', async () => {
    const stranger = new FakeClient(services);
    await stranger.request('hello', { protocolVersion: PROTOCOL_VERSION });
    expect(await stranger.request('annotationState')).toMatchObject({ ok: false, error: { code: 'not_joined' } });
  });
});
