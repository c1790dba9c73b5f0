import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chatFeedOf } from '../chat/roomEvents.ts';
import { setUpMedia } from '../testing/fakeMedia.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';
import { metricsReader } from '../testing/metrics.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;
let metric: (series: string) => Promise<number>;

beforeAll(async () => {
  services = await createTestServices();
  metric = metricsReader(services);
});
afterAll(() => services.pool.close());

describe('/metrics for chat', () => {
  test('counts messages stored, resent, rejected by reason and delivered, and the bytes sent on the feed', async () => {
    const ann = new FakeClient(services);
    const joined = await ann.join('chat-metrics', 'Ann');
    await setUpMedia(ann, joined.routerRtpCapabilities);
    // Ann's app consumes the feed: one receiver for every stored message.
    expect(await ann.request('consumeData', { dataProducerId: joined.chat.dataProducerId })).toMatchObject({ ok: true });
    const room = (await services.rooms.find('chat-metrics'))!;
    const peer = room.peers.get(joined.peerId)!;
    const send = (frame: string, isText = true) => services.chat.receive(chatFeedOf(room), peer, Buffer.from(frame), isText);

    const stored = (await send('{"type":"send","id":"metered-1","text":"hello"}'))!;
    await send('{"type":"send","id":"metered-1","text":"hello"}');
    await send('garbage');
    await send(`{"type":"send","id":"metered-2","text":"${'x'.repeat(2001)}"}`);
    await send('{"type":"send","id":"metered-3","text":"hi"}', false);

    expect(await metric('huddle_chat_messages_stored_total')).toBe(1);
    expect(await metric('huddle_chat_messages_duplicate_total')).toBe(1);
    expect(await metric('huddle_chat_messages_rejected_total{reason="invalid"}')).toBe(1);
    expect(await metric('huddle_chat_messages_rejected_total{reason="oversize"}')).toBe(1);
    expect(await metric('huddle_chat_messages_rejected_total{reason="binary"}')).toBe(1);
    expect(await metric('huddle_chat_messages_delivered_total')).toBe(1);
    const frameBytes = Buffer.byteLength(JSON.stringify({ type: 'message', message: stored }));
    expect(await metric('huddle_data_channel_sent_bytes_total')).toBe(frameBytes);
    expect(await metric('huddle_data_channel_received_bytes_total')).toBe(0); // only SCTP frames count (none here)
    expect(await metric('huddle_sctp_send_buffer_full_total')).toBe(0);
    await ann.request('leave');
  });
});
