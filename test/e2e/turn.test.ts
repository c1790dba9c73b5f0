import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { turnCredentials } from '../../server/ice/iceServers.ts';
import { expectVideoPlaying, joinRoom, launchBrowser, openPhone } from '../support/browser.ts';
import { startTurn, type RunningTurn } from '../support/coturn.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { Transport, TurnClient } from '../support/turnClient.ts';
import { WsClient } from '../support/wsClient.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/index.ts';
import type { Browser, Page } from 'playwright-core';
import { recordPeerConnections } from '../support/rtcStats.ts';

/** The SFU under test listens on a loopback address of its own: the only peer coturn lets relays reach. */
const SFU_ADDRESS = '127.0.0.2';

let turn: RunningTurn;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  turn = await startTurn({ sfuAddress: SFU_ADDRESS });
  [server, browser] = await Promise.all([
    startServer({ TURN_URLS: turn.urls.join(','), TURN_SECRET: turn.secret, ICE_TRANSPORT_POLICY: 'relay', RTC_LISTEN_IP: SFU_ADDRESS }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await turn?.stop();
});

/** The local candidate of the selected pair of every connected peer connection: its type and TURN protocol. */
async function selectedLocalCandidates(page: Page): Promise<{ type: string; relayProtocol: string }[]> {
  return page.evaluate(async () => {
    const candidates: { type: string; relayProtocol: string }[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = [...(await pc.getStats()).values()] as Record<string, unknown>[];
      const transport = stats.find((s) => s.type === 'transport');
      const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
      const local = stats.find((s) => s.id === pair?.localCandidateId);
      candidates.push({ type: String(local?.candidateType), relayProtocol: String(local?.relayProtocol) });
    }
    return candidates;
  });
}

/** Gathers relay candidates in the page with the given TURN credentials; returns them and any ICE errors. */
async function gatherRelay(page: Page, server: { urls: string[]; username: string; credential: string }) {
  return page.evaluate(async (iceServer) => {
    const pc = new RTCPeerConnection({ iceServers: [iceServer], iceTransportPolicy: 'relay' });
    const candidates: string[] = [];
    const errors: number[] = [];
    pc.onicecandidate = (event) => event.candidate && candidates.push(event.candidate.type ?? '?');
    pc.onicecandidateerror = (event) => errors.push((event as RTCPeerConnectionIceErrorEvent).errorCode);
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      const done = () => pc.iceGatheringState === 'complete' && resolve();
      pc.onicegatheringstatechange = done;
      setTimeout(resolve, 8_000);
      done();
    });
    pc.close();
    return { candidates, errors };
  }, server);
}

/** The TURN credentials the server hands a participant who joins an open room. */
async function participantCredentials(room: string): Promise<{ username: string; credential: string }> {
  const client = await WsClient.open(server.url);
  await client.request('hello', { protocolVersion: PROTOCOL_VERSION });
  const joined = await client.request('join', { room, name: 'Mallory' });
  client.close();
  const iceServers = (joined.data as { iceServers: { urls: string[]; username?: string; credential?: string }[] }).iceServers;
  const relay = iceServers.find((entry) => entry.username && entry.credential);
  if (!relay?.username || !relay.credential) throw new Error(`no TURN credentials in ${JSON.stringify(joined)}`);
  return { username: relay.username, credential: relay.credential };
}

describe('coturn as docker/turnserver.sh configures it', () => {
  test('a participant’s credentials open a relay to the SFU and to nothing else', async () => {
    const credentials = await participantCredentials('probe-peers');
    const udp = await TurnClient.open({ host: turn.host, port: turn.port, over: 'udp', ...credentials });
    try {
      expect(await udp.allocate(Transport.udp)).toMatchObject({ ok: true });
      expect(await udp.createPermission(SFU_ADDRESS)).toMatchObject({ ok: true });
      // Cloud metadata, this host's loopback, the operator's LAN, carrier-grade NAT, "this network".
      for (const address of ['169.254.169.254', '127.0.0.1', '10.0.0.1', '192.168.1.1', '172.16.0.1', '100.64.0.1', '0.0.0.1', '8.8.8.8']) {
        expect({ address, reply: await udp.createPermission(address) }).toMatchObject({ address, reply: { ok: false, code: 403 } });
      }
    } finally {
      udp.close();
    }
  });

  test('no TCP relays (RFC 6062): a TCP allocation is refused', async () => {
    const credentials = await participantCredentials('probe-tcp');
    const tcp = await TurnClient.open({ host: turn.host, port: turn.port, over: 'tcp', ...credentials });
    try {
      expect(await tcp.allocate(Transport.tcp)).toMatchObject({ ok: false, code: 442 }); // Unsupported Transport Protocol
      expect(await tcp.allocate(Transport.udp)).toMatchObject({ ok: true }); // the same connection may relay UDP
    } finally {
      tcp.close();
    }
  });

  test('one participant’s credentials hold at most 24 relays at a time', async () => {
    const credentials = await participantCredentials('probe-quota');
    const clients = await Promise.all(
      Array.from({ length: 25 }, () => TurnClient.open({ host: turn.host, port: turn.port, over: 'udp', ...credentials })),
    );
    try {
      const replies = [];
      for (const client of clients) replies.push(await client.allocate(Transport.udp));
      expect(replies.slice(0, 24).every((reply) => reply.ok)).toBe(true);
      expect(replies[24]).toMatchObject({ ok: false, code: 486 });
    } finally {
      for (const client of clients) client.close();
    }
  });
});

describe('TURN through coturn', () => {
  test('with relay forced, the call works and its media goes through TURN', async () => {
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    await recordPeerConnections(alice.page);
    await recordPeerConnections(bob.page);
    await joinRoom(alice.page, server.url, 'relayed', 'Alice');
    await joinRoom(bob.page, server.url, 'relayed', 'Bob');
    await expectVideoPlaying(bob.page, 'Alice camera');
    await expectVideoPlaying(alice.page, 'Bob camera');

    for (const page of [alice.page, bob.page]) {
      const types = (await selectedLocalCandidates(page)).map((candidate) => candidate.type);
      expect(types.length).toBeGreaterThanOrEqual(2); // send and receive transports
      expect(new Set(types)).toEqual(new Set(['relay']));
    }
    await alice.context.close();
    await bob.context.close();
  });

  test('coturn accepts credentials in our REST-API scheme and refuses expired or forged ones', async () => {
    const { page, context } = await openPhone(browser);
    await page.goto(server.url);
    const urls = [turn.urls[0]!];
    const fresh = await gatherRelay(page, { urls, ...turnCredentials(turn.secret, 'probe', 600) });
    expect(fresh.candidates).toContain('relay');

    const expired = await gatherRelay(page, { urls, ...turnCredentials(turn.secret, 'probe', -60) });
    expect(expired.candidates).not.toContain('relay');
    expect(expired.errors).toContain(401);

    const forged = await gatherRelay(page, { urls, ...turnCredentials('not-the-secret', 'probe', 600) });
    expect(forged.candidates).not.toContain('relay');
    await context.close();
  });

  test('TURN over TLS alone (a network that only lets TCP/TLS out) carries the call', async () => {
    const tlsOnly = await startServer({
      TURN_URLS: turn.tlsUrl,
      TURN_SECRET: turn.secret,
      ICE_TRANSPORT_POLICY: 'relay',
      RTC_LISTEN_IP: SFU_ADDRESS,
    });
    // coturn's certificate here is self-signed; a deployment has a real one. This browser accepts it for the test.
    const trusting = await launchBrowser(['--ignore-certificate-errors']);
    try {
      const alice = await openPhone(trusting);
      const bob = await openPhone(trusting);
      await recordPeerConnections(bob.page);
      await joinRoom(alice.page, tlsOnly.url, 'tls-relay', 'Alice');
      await joinRoom(bob.page, tlsOnly.url, 'tls-relay', 'Bob');
      await expectVideoPlaying(bob.page, 'Alice camera');
      const candidates = await selectedLocalCandidates(bob.page);
      expect(candidates.length).toBeGreaterThanOrEqual(2);
      expect(new Set(candidates.map((candidate) => `${candidate.type}/${candidate.relayProtocol}`))).toEqual(new Set(['relay/tls']));
    } finally {
      await trusting.close();
      await tlsOnly.stop();
    }
  });
});
