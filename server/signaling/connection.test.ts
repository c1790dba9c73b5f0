import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';
import { MAX_SEND_BUFFER_BYTES } from './connection.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices({ peerGraceMs: 200 });
});
afterAll(() => services.pool.close());

describe('handshake and guards', () => {
  test('nothing but hello works before the handshake', async () => {
    const client = new FakeClient(services);
    const reply = await client.request('join', { room: 'r', name: 'Ann' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'handshake_required' } });
    expect(await services.rooms.find('r')).toBeUndefined();
  });

  test('a wrong protocol version is refused with unsupported_version', async () => {
    const client = new FakeClient(services);
    const reply = await client.request('hello', { protocolVersion: PROTOCOL_VERSION + 1 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unsupported_version' } });
  });

  test('media requests before join get not_joined', async () => {
    const client = new FakeClient(services);
    await client.request('hello', { protocolVersion: PROTOCOL_VERSION });
    for (const [method, data] of [
      ['createTransport', { direction: 'send' }],
      ['consume', { producerId: 'x' }],
      ['leave', {}],
    ] as const) {
      expect(await client.request(method, data)).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    }
  });

  test('joining twice on one connection is refused', async () => {
    const client = new FakeClient(services);
    await client.join('twice', 'Ann');
    expect(await client.request('join', { room: 'twice', name: 'Ann' })).toMatchObject({ error: { code: 'already_joined' } });
    await client.request('leave');
  });
});

describe('one peer cannot touch another peer’s media', () => {
  test('another peer’s transport id is "not found" and stays connected-able for its owner', async () => {
    const ann = new FakeClient(services);
    const bob = new FakeClient(services);
    await ann.join('isolation', 'Ann');
    await bob.join('isolation', 'Bob');
    const annTransport = await ann.request('createTransport', { direction: 'send' });
    const transportId = (annTransport.data as { transportId: string }).transportId;
    const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] };

    expect(await bob.request('connectTransport', { transportId, dtlsParameters })).toMatchObject({ error: { code: 'not_found' } });
    expect(await bob.request('restartIce', { transportId })).toMatchObject({ error: { code: 'not_found' } });
    expect(await bob.request('closeProducer', { producerId: transportId })).toMatchObject({ error: { code: 'not_found' } });
    // Ann's transport is untouched: she can still restart ICE on it.
    expect(await ann.request('restartIce', { transportId })).toMatchObject({ ok: true });
    await ann.request('leave');
    await bob.request('leave');
  });

  test('consuming before setCapabilities or a recv transport is bad_state, unknown producer not_found', async () => {
    const ann = new FakeClient(services);
    await ann.join('order', 'Ann');
    expect(await ann.request('consume', { producerId: 'nope' })).toMatchObject({ error: { code: 'not_found' } });
    await ann.request('leave');
  });
});

describe('room and peer lifecycle', () => {
  test('peers learn of joins and leaves; the last leave closes the room and its router', async () => {
    const ann = new FakeClient(services);
    const bob = new FakeClient(services);
    await ann.join('life', 'Ann');
    const room = await services.rooms.find('life');
    const joined = await bob.join('life', 'Bob');
    expect(joined.peers.map((peer) => peer.id)).toHaveLength(1);
    expect(ann.notifications('peerJoined')).toHaveLength(1);

    await bob.request('leave');
    expect(ann.notifications('peerLeft')).toEqual([{ method: 'peerLeft', data: { peerId: joined.peerId } }]);
    await ann.request('leave');
    expect(room?.closed).toBe(true);
    expect(room?.router.closed).toBe(true);
    expect(await services.rooms.find('life')).toBeUndefined();
  });

  test('a dropped peer can resume with its token within the grace period, and is removed after it', async () => {
    const ann = new FakeClient(services);
    const bob = new FakeClient(services);
    const first = await ann.join('grace', 'Ann');
    await bob.join('grace', 'Bob');
    ann.connection.drop();
    await expect.poll(() => bob.notifications('peerConnectionChanged').length).toBe(1);

    const again = new FakeClient(services);
    const resumed = await again.join('grace', 'Ann', { resume: { peerId: first.peerId, token: first.resumeToken } });
    expect(resumed).toMatchObject({ peerId: first.peerId, resumed: true });

    // A wrong token does not resume: it joins as somebody new.
    again.connection.drop();
    const impostor = new FakeClient(services);
    const other = await impostor.join('grace', 'Ann', { resume: { peerId: first.peerId, token: 'x'.repeat(32) } });
    expect(other.resumed).toBe(false);
    expect(other.peerId).not.toBe(first.peerId);

    // The dropped Ann is gone after the grace period (200 ms here).
    await expect.poll(() => bob.notifications('peerLeft').map((n) => (n.data as { peerId: string }).peerId)).toContain(first.peerId);
    await impostor.request('leave');
    await bob.request('leave');
  });
});

describe('rate limits', () => {
  test('a burst past the connection’s budget gets rate_limited; the connection survives', async () => {
    const flooder = new FakeClient(services);
    await flooder.request('hello', { protocolVersion: PROTOCOL_VERSION });
    const before = flooder.sent.length;
    for (let id = 1000; id < 1400; id++) flooder.connection.received(JSON.stringify({ id, method: 'ping' }));
    await expect.poll(() => flooder.sent.length - before).toBe(400);
    const replies = flooder.sent.slice(before);
    const limited = replies.filter((reply) => reply.error?.code === 'rate_limited').length;
    expect(limited).toBeGreaterThan(0);
    expect(replies.filter((reply) => reply.ok).length).toBeGreaterThanOrEqual(services.config.messageRatePerSecond * 5 - 1);
    expect(flooder.terminated).toBe(false);
  });

  test('garbage frames spend the budget too, and a connection that keeps flooding is cut', async () => {
    const flooder = new FakeClient(services);
    await flooder.request('hello', { protocolVersion: PROTOCOL_VERSION });
    const before = flooder.sent.length;
    const garbage = [Buffer.from([0xff, 0x00]), 'x'.repeat(70_000), '{"id":1,"method":', 'null'];
    for (let i = 0; i < 2_000; i++) flooder.connection.received(garbage[i % garbage.length]);
    const replies = flooder.sent.slice(before);
    const budget = services.config.messageRatePerSecond * 5;
    expect(replies.slice(0, budget - 1).every((reply) => reply.error?.code === 'bad_request')).toBe(true);
    expect(replies.filter((reply) => reply.error?.code === 'rate_limited').length).toBeGreaterThan(0);
    expect(flooder.terminated).toBe(true);
    // Cut well before the end of the flood: nothing is answered after that.
    expect(replies.length).toBeLessThan(3 * budget);
  });

  test('a client that stops reading is cut once its send buffer passes the bound; others see it leave', async () => {
    const ann = new FakeClient(services);
    const bob = new FakeClient(services);
    await ann.join('stalled', 'Ann');
    const bobJoined = await bob.join('stalled', 'Bob');
    bob.bufferedAmount = MAX_SEND_BUFFER_BYTES - 1;
    await new FakeClient(services).join('stalled', 'Cleo'); // notifies Bob: still within the bound
    expect(bob.terminated).toBe(false);
    bob.bufferedAmount = MAX_SEND_BUFFER_BYTES + 1;
    await new FakeClient(services).join('stalled', 'Dan');
    expect(bob.terminated).toBe(true);
    await expect
      .poll(() => ann.notifications('peerConnectionChanged').map((n) => n.data))
      .toContainEqual({ peerId: bobJoined.peerId, connected: false });
  });
  test('new joins from one address are limited; resuming is not', async () => {
    const limited = await createTestServices({ joinRatePerMinute: 2 });
    try {
      const first = new FakeClient(limited);
      const identity = await first.join('busy', 'One');
      await new FakeClient(limited).join('busy', 'Two');
      const third = new FakeClient(limited);
      await third.request('hello', { protocolVersion: PROTOCOL_VERSION });
      expect(await third.request('join', { room: 'busy', name: 'Three' })).toMatchObject({ error: { code: 'rate_limited' } });

      first.connection.drop();
      const back = new FakeClient(limited);
      const resumed = await back.join('busy', 'One', { resume: { peerId: identity.peerId, token: identity.resumeToken } });
      expect(resumed.resumed).toBe(true);
    } finally {
      limited.pool.close();
    }
  });
});

describe('overlapping connections', () => {
  const rtpParameters = {
    codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
    encodings: [{ ssrc: 1111 }],
  };

  test('after a resume, requests the old connection still had queued never run on the peer', async () => {
    const ann = new FakeClient(services);
    const first = await ann.join('fence', 'Ann');
    const transport = await ann.request('createTransport', { direction: 'send' });
    const transportId = (transport.data as { transportId: string }).transportId;
    const again = new FakeClient(services);
    await again.request('hello', { protocolVersion: PROTOCOL_VERSION });

    // Ann's old socket (whose far end is gone) has a request in flight and a produce queued behind it...
    ann.connection.received(JSON.stringify({ id: 100, method: 'createTransport', data: { direction: 'recv' } }));
    ann.connection.received(
      JSON.stringify({ id: 101, method: 'produce', data: { transportId, kind: 'video', source: 'cam', rtpParameters } }),
    );
    // ...when her app resumes on a new socket.
    const resumed = await again.request('join', { room: 'fence', name: 'Ann', resume: { peerId: first.peerId, token: first.resumeToken } });
    expect(resumed).toMatchObject({ ok: true, data: { resumed: true } });
    expect(ann.terminated).toBe(true);

    await expect.poll(() => ann.connection.pending).toBe(0);
    const peer = (await services.rooms.find('fence'))?.peers.get(first.peerId);
    expect(peer?.producers.size).toBe(0);
    expect(ann.sent.find((message) => message.id === 101)).toBeUndefined();
    // The new connection owns the peer: its own produce runs.
    expect(await again.request('produce', { transportId, kind: 'video', source: 'cam', rtpParameters })).toMatchObject({ ok: true });
    expect(peer?.producers.size).toBe(1);
    await again.request('leave');
  });
});
