import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chatDownFrameSchema, type ChatMessage } from '../../../shared/protocol/index.ts';
import * as v from 'valibot';
import { chatFeedOf } from '../../chat/roomEvents.ts';
import { setUpMedia } from '../../testing/fakeMedia.ts';
import { createTestServices, FakeClient } from '../../testing/fakes.ts';
import { waitUntil } from '../../../test/support/poll.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

/** What a browser's first data channel on a fresh transport asks for. */
const CHAT_STREAM = { streamId: 0, ordered: true };

async function joinWithMedia(room: string, name: string) {
  const client = new FakeClient(services);
  const joined = await client.join(room, name);
  const media = await setUpMedia(client, joined.routerRtpCapabilities);
  return { client, joined, ...media };
}

/** Feeds a frame to the room as the server's DataConsumer of `peerId`'s chat channel would on a 'message' event. */
async function sendUp(roomName: string, peerId: string, frame: unknown, ppid = 51) {
  const room = (await services.rooms.find(roomName))!;
  const peer = room.peers.get(peerId)!;
  const payload = Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return services.chat.receive(chatFeedOf(room), peer, payload, ppid === 51);
}

/** Listens to the room's chat feed through the worker, as a peer's DataConsumer does (without SCTP). */
async function listenToFeed(roomName: string, dataProducerId: string) {
  const room = (await services.rooms.find(roomName))!;
  const direct = await room.router.createDirectTransport();
  const consumer: types.DataConsumer = await direct.consumeData({ dataProducerId });
  const received: ChatMessage[] = [];
  consumer.on('message', (payload) => received.push(v.parse(chatDownFrameSchema, JSON.parse(payload.toString())).message));
  return received;
}

describe('the join reply', () => {
  test('names the room’s chat feed and its newest seq, also for a late joiner', async () => {
    const ann = await joinWithMedia('chat-join', 'Ann');
    expect(ann.joined.chat).toEqual({ dataProducerId: expect.any(String), lastSeq: 0 });
    for (const id of ['msg-00001', 'msg-00002', 'msg-00003']) await sendUp('chat-join', ann.joined.peerId, { type: 'send', id, text: 'hi' });
    const late = new FakeClient(services);
    const lateJoin = await late.join('chat-join', 'Cat');
    expect(lateJoin.chat).toEqual({ dataProducerId: ann.joined.chat.dataProducerId, lastSeq: 3 });
    await late.request('leave');
    await ann.client.request('leave');
  });
});

describe('produceData and consumeData', () => {
  test('a peer produces chat on its own send transport and consumes the room feed on its own recv transport', async () => {
    const ann = await joinWithMedia('chat-data', 'Ann');
    const produced = await ann.client.request('produceData', {
      transportId: ann.sendTransportId,
      label: 'chat',
      sctpStreamParameters: CHAT_STREAM,
    });
    expect(produced).toMatchObject({ ok: true, data: { dataProducerId: expect.any(String) } });
    const consumed = await ann.client.request('consumeData', { dataProducerId: ann.joined.chat.dataProducerId });
    expect(consumed).toMatchObject({
      ok: true,
      data: { dataProducerId: ann.joined.chat.dataProducerId, label: 'chat', sctpStreamParameters: { streamId: expect.any(Number) } },
    });

    const peer = (await services.rooms.find('chat-data'))!.peers.get(ann.joined.peerId)!;
    expect(peer.dataProducers.size).toBe(1);
    expect(peer.dataConsumers.size).toBe(1);
    // A reconnecting app produces and consumes again: the new ones replace the old, nothing doubles.
    const again = await ann.client.request('produceData', { transportId: ann.sendTransportId, label: 'chat', sctpStreamParameters: { streamId: 2 } });
    await ann.client.request('consumeData', { dataProducerId: ann.joined.chat.dataProducerId });
    expect([...peer.dataProducers.keys()]).toEqual([(again.data as { dataProducerId: string }).dataProducerId]);
    expect(peer.dataConsumers.size).toBe(1);
    // On the receive transport, or for another label, it is refused.
    expect(await ann.client.request('produceData', { transportId: ann.recvTransportId, label: 'chat', sctpStreamParameters: CHAT_STREAM })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(await ann.client.request('produceData', { transportId: ann.sendTransportId, label: 'files', sctpStreamParameters: CHAT_STREAM })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    await ann.client.request('leave');
  });

  test('another peer’s transport or data producer is not found, and nothing is created', async () => {
    const ann = await joinWithMedia('chat-owner', 'Ann');
    const bob = await joinWithMedia('chat-owner', 'Bob');
    const annProducer = await ann.client.request('produceData', { transportId: ann.sendTransportId, label: 'chat', sctpStreamParameters: CHAT_STREAM });
    const annProducerId = (annProducer.data as { dataProducerId: string }).dataProducerId;
    const room = (await services.rooms.find('chat-owner'))!;
    const annPeer = room.peers.get(ann.joined.peerId)!;
    const bobPeer = room.peers.get(bob.joined.peerId)!;

    const attempts: [string, unknown][] = [
      ['produceData', { transportId: ann.sendTransportId, label: 'chat', sctpStreamParameters: { streamId: 7 } }],
      ['consumeData', { dataProducerId: annProducerId }], // only the room's feed is consumable, not a peer's channel
    ];
    for (const [method, data] of attempts) {
      expect.soft(await bob.client.request(method, data), method).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect([...annPeer.dataProducers.keys()]).toEqual([annProducerId]);
    expect(annPeer.dataProducers.get(annProducerId)!.closed).toBe(false);
    expect(bobPeer.dataProducers.size + bobPeer.dataConsumers.size).toBe(0);
    await ann.client.request('leave');
    await bob.client.request('leave');
  });
});

describe('a message through the server', () => {
  test('is stored under the next seq, acknowledged to its sender and fanned out once; a resend is only acknowledged', async () => {
    const ann = await joinWithMedia('chat-path', 'Ann');
    const received = await listenToFeed('chat-path', ann.joined.chat.dataProducerId);

    await sendUp('chat-path', ann.joined.peerId, { type: 'send', id: 'first-message', text: '  hello  ' });
    await sendUp('chat-path', ann.joined.peerId, { type: 'send', id: 'second-message', text: 'world' });
    await sendUp('chat-path', ann.joined.peerId, { type: 'send', id: 'first-message', text: 'hello' }); // a resend

    await waitUntil(() => received.length >= 2, 'the fan-out');
    expect(received.map(({ seq, text, name, peerId }) => ({ seq, text, name, peerId }))).toEqual([
      { seq: 1, text: 'hello', name: 'Ann', peerId: ann.joined.peerId },
      { seq: 2, text: 'world', name: 'Ann', peerId: ann.joined.peerId },
    ]);
    expect(ann.client.notifications('chatAck').map((ack) => ack.data)).toEqual([
      { id: 'first-message', seq: 1 },
      { id: 'second-message', seq: 2 },
      { id: 'first-message', seq: 1 },
    ]);
    // Nothing more comes out for the resend.
    await sendUp('chat-path', ann.joined.peerId, { type: 'send', id: 'third-message', text: '!' });
    await waitUntil(() => received.length >= 3, 'the third message');
    expect(received.map((message) => message.seq)).toEqual([1, 2, 3]);
    await ann.client.request('leave');
  });

  test('garbage is dropped, not acknowledged, not stored, not fanned out', async () => {
    const ann = await joinWithMedia('chat-garbage', 'Ann');
    const received = await listenToFeed('chat-garbage', ann.joined.chat.dataProducerId);
    const frames: [unknown, number?][] = [
      ['not json'],
      [{ type: 'message', id: 'wrong-type', text: 'x' }],
      [{ type: 'send', id: 'too-long-01', text: 'x'.repeat(2001) }],
      [{ type: 'send', id: 'x', text: 'id too short' }],
      [{ type: 'send', id: 'empty-text', text: '   ' }],
      [{ type: 'send', id: 'binary-frame', text: 'hi' }, 53],
    ];
    for (const [frame, ppid] of frames) expect(await sendUp('chat-garbage', ann.joined.peerId, frame, ppid)).toBeUndefined();
    await sendUp('chat-garbage', ann.joined.peerId, { type: 'send', id: 'the-good-one', text: 'ok' });
    await waitUntil(() => received.length >= 1, 'the good message');
    expect(received.map((message) => [message.seq, message.id])).toEqual([[1, 'the-good-one']]);
    expect(ann.client.notifications('chatAck').map((ack) => ack.data)).toEqual([{ id: 'the-good-one', seq: 1 }]);
    expect((await ann.client.request('chatHistory', { afterSeq: 0, limit: 500 })).data).toEqual({ messages: received, lastSeq: 1 });
    await ann.client.request('leave');
  });
});

describe('history across meetings under one room name', () => {
  const say = async (room: string, peerId: string, id: string) => {
    await sendUp(room, peerId, { type: 'send', id, text: id });
  };
  const historyOf = async (client: FakeClient) =>
    ((await client.request('chatHistory', { afterSeq: 0, limit: 10 })).data as { messages: ChatMessage[] }).messages.map((m) => m.id);

  test('an open room’s is found again by the next meeting; one behind a password is not, whoever opens the next', async () => {
    const ann = new FakeClient(services);
    const annJoin = await ann.join('chat-open', 'Ann');
    await say('chat-open', annJoin.peerId, 'open-message');
    await ann.request('leave'); // the room empties
    const bob = new FakeClient(services);
    expect((await bob.join('chat-open', 'Bob')).chat.lastSeq).toBe(1);
    expect(await historyOf(bob)).toEqual(['open-message']);
    await bob.request('leave');

    const password = 'correct horse battery';
    const cat = new FakeClient(services);
    const catJoin = await cat.join('chat-locked', 'Cat', { password });
    await say('chat-locked', catJoin.peerId, 'locked-message');
    const dan = new FakeClient(services);
    expect((await dan.join('chat-locked', 'Dan', { password })).chat.lastSeq).toBe(1);
    expect(await historyOf(dan)).toEqual(['locked-message']);
    await cat.request('leave');
    await dan.request('leave'); // the meeting is over
    for (const extra of [{}, { password: 'another password' }, { password }]) {
      const eve = new FakeClient(services);
      expect((await eve.join('chat-locked', 'Eve', extra)).chat.lastSeq).toBe(0);
      expect(await historyOf(eve)).toEqual([]);
      await eve.request('leave');
    }
  });
});

describe('chatHistory', () => {
  test('pages through the room’s messages after a seq, oldest first; other rooms’ messages never show', async () => {
    const ann = await joinWithMedia('chat-history', 'Ann');
    const other = await joinWithMedia('chat-history-other', 'Olga');
    for (let index = 1; index <= 12; index++) {
      await sendUp('chat-history', ann.joined.peerId, { type: 'send', id: `history-${index}`, text: `message ${index}` });
    }
    await sendUp('chat-history-other', other.joined.peerId, { type: 'send', id: 'elsewhere-1', text: 'not for Ann' });

    const pages: number[][] = [];
    let afterSeq = 0;
    for (;;) {
      const reply = await ann.client.request('chatHistory', { afterSeq, limit: 5 });
      const { messages, lastSeq } = reply.data as { messages: ChatMessage[]; lastSeq: number };
      expect(lastSeq).toBe(12);
      if (messages.length === 0) break;
      pages.push(messages.map((message) => message.seq));
      afterSeq = messages.at(-1)!.seq;
    }
    expect(pages).toEqual([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]);
    expect(await ann.client.request('chatHistory', { afterSeq: 0, limit: 501 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const stranger = new FakeClient(services);
    await stranger.request('hello', { protocolVersion: 2 });
    expect(await stranger.request('chatHistory', { afterSeq: 0, limit: 5 })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    await ann.client.request('leave');
    await other.client.request('leave');
  });
});
