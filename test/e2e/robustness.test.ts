import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ERROR_CODES, PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { WsClient } from '../support/wsClient.ts';

let server: RunningServer;
beforeAll(async () => {
  // A budget above the 1 000 frames sent at once: each is validated (not just rate_limited), and a client that
  // keeps sending past its budget is cut, which is a different test (signaling-limits).
  server = await startServer({ MESSAGE_RATE_PER_SECOND: '1000' });
});
afterAll(() => server?.stop());

/** A small seeded generator, so a failure names a seed that reproduces it. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const METHODS = ['hello', 'join', 'createTransport', 'connectTransport', 'produce', 'consume', 'resumeConsumer', 'closeProducer', 'restartIce', 'pauseProducer'];

/** Frames that must each be refused: broken JSON, bad envelopes, unknown methods, bad data, other peers' ids. */
function malformedFrame(random: () => number, id: number, victim: { transportId: string; peerId: string }): string | Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const junk = () => pick([null, 42, -1, 'x'.repeat(Math.floor(random() * 3000)), [], {}, { a: { b: [1, 2] } }, true, 1e308]);
  switch (Math.floor(random() * 10)) {
    case 0:
      return `{"id":${id},"method":"join","data":{"room":`; // truncated JSON
    case 1:
      return Buffer.from([0xff, 0x00, 0x13, 0x37]); // a binary frame
    case 2:
      return JSON.stringify(junk());
    case 3:
      return JSON.stringify({ id, method: `no_such_${Math.floor(random() * 1e6)}`, data: junk() });
    case 4:
      return JSON.stringify({ id, method: pick(METHODS), data: junk() });
    case 5:
      return JSON.stringify({ id: pick([-5, 1.5, 'seven', null]), method: pick(METHODS), data: {} });
    case 6:
      return JSON.stringify({ id, method: 'connectTransport', data: { transportId: victim.transportId, dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } } });
    case 7:
      return JSON.stringify({ id, method: 'produce', data: { transportId: victim.transportId, kind: 'video', source: 'cam', rtpParameters: { codecs: [] } } });
    case 8:
      return JSON.stringify({ id, method: 'join', data: { room: pick(['../etc', '', 'a b', 'x'.repeat(65)]), name: junk() } });
    default:
      return JSON.stringify({ id, method: 'hello', data: { protocolVersion: PROTOCOL_VERSION + 1 + Math.floor(random() * 9) } });
  }
}

describe('robustness', () => {
  test('1 000 malformed or random messages: each gets a typed error, the server stays up, the other peer is unaffected', async () => {
    const victim = await WsClient.open(server.url);
    await victim.request('hello', { protocolVersion: PROTOCOL_VERSION });
    const joined = await victim.request('join', { room: 'fuzz', name: 'Victim' });
    expect(joined.ok).toBe(true);
    const victimPeerId = (joined.data as { peerId: string }).peerId;
    const transport = await victim.request('createTransport', { direction: 'send' });
    const transportId = (transport.data as { transportId: string }).transportId;

    const attacker = await WsClient.open(server.url);
    await attacker.request('hello', { protocolVersion: PROTOCOL_VERSION });
    expect((await attacker.request('join', { room: 'fuzz', name: 'Attacker' })).ok).toBe(true);
    const repliesBefore = attacker.replies().length;

    const random = seeded(20261125);
    const total = 1000;
    for (let i = 0; i < total; i++) attacker.send(malformedFrame(random, 10_000 + i, { transportId, peerId: victimPeerId }));

    await expect.poll(() => attacker.replies().length - repliesBefore, { timeout: 30_000 }).toBe(total);
    const replies = attacker.replies().slice(repliesBefore);
    for (const reply of replies) {
      expect(reply.ok).toBe(false);
      expect(ERROR_CODES).toContain(reply.error?.code);
      expect(reply.error?.message).toBeTruthy();
    }
    expect(attacker.open).toBe(true);

    // The server answers HTTP, and the victim's session and transport still work.
    const health = await fetch(`${server.url}/healthz`);
    expect(health.ok).toBe(true);
    expect(await victim.request('restartIce', { transportId })).toMatchObject({ ok: true });
    expect(await victim.request('ping')).toMatchObject({ ok: true });
    expect(victim.messages.filter((m) => m.method === 'peerLeft')).toEqual([]);
    expect(server.process.exitCode).toBeNull();

    attacker.close();
    victim.close();
  });
});
