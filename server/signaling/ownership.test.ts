import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { consume, opusRtpParameters, produceFake, setUpMedia, SOME_DTLS_PARAMETERS } from '../testing/fakeMedia.ts';
import { createTestServices, FakeClient } from '../testing/fakes.ts';

let services: Awaited<ReturnType<typeof createTestServices>>;

beforeAll(async () => {
  services = await createTestServices();
});
afterAll(() => services.pool.close());

/**
 * Ann (the victim) and Bob (the attacker) in one room, each with real transports, producers and consumers, so
 * Bob's requests below carry ids that exist and are otherwise well-formed: only ownership can refuse them.
 */
async function victimAndAttacker(roomName: string) {
  const ann = new FakeClient(services);
  const bob = new FakeClient(services);
  const annJoin = await ann.join(roomName, 'Ann');
  const bobJoin = await bob.join(roomName, 'Bob');
  const annMedia = await setUpMedia(ann, annJoin.routerRtpCapabilities);
  const bobMedia = await setUpMedia(bob, bobJoin.routerRtpCapabilities);
  const annMic = await produceFake(ann, annMedia.sendTransportId, 'mic'); // live
  const annCam = await produceFake(ann, annMedia.sendTransportId, 'cam', { paused: true }); // camera paused
  const bobMic = await produceFake(bob, bobMedia.sendTransportId, 'mic');
  const bobCam = await produceFake(bob, bobMedia.sendTransportId, 'cam');
  const annFlowing = await consume(ann, bobMic); // resumed below: flowing
  expect(await ann.request('resumeConsumer', { consumerId: annFlowing })).toMatchObject({ ok: true });
  const annWaiting = await consume(ann, bobCam); // left paused, as a consumer is until its owner resumes it
  const room = await services.rooms.find(roomName);
  const annPeer = room!.peers.get(annJoin.peerId)!;
  return { ann, bob, annPeer, ids: { ...annMedia, annMic, annCam, annFlowing, annWaiting } };
}

describe('another peer’s real ids are not found, and change nothing', () => {
  test('every media method, with the victim’s real transport, producer and consumer ids', async () => {
    const { ann, bob, annPeer, ids } = await victimAndAttacker('ownership');
    const send = annPeer.transports.get('send')!;
    const ufrag = send.iceParameters.usernameFragment;
    const annNotificationsBefore = ann.sent.filter((message) => !('ok' in message)).length;

    const attempts: [string, unknown][] = [
      ['connectTransport', { transportId: ids.sendTransportId, dtlsParameters: SOME_DTLS_PARAMETERS }],
      ['connectTransport', { transportId: ids.recvTransportId, dtlsParameters: SOME_DTLS_PARAMETERS }],
      ['restartIce', { transportId: ids.sendTransportId }],
      ['produce', { transportId: ids.sendTransportId, kind: 'audio', source: 'mic', rtpParameters: opusRtpParameters(4242) }],
      ['closeProducer', { producerId: ids.annMic }],
      ['pauseProducer', { producerId: ids.annMic }],
      ['resumeProducer', { producerId: ids.annCam }],
      ['resumeConsumer', { consumerId: ids.annWaiting }],
      ['closeConsumer', { consumerId: ids.annFlowing }],
    ];
    for (const [method, data] of attempts) {
      expect.soft(await bob.request(method, data), method).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }

    // Seen from the server: Ann's media is exactly as she left it.
    expect(send.dtlsState).toBe('new'); // nobody connected her transport
    expect(send.iceParameters.usernameFragment).toBe(ufrag); // nor restarted its ICE
    expect([...annPeer.producers.keys()].sort()).toEqual([ids.annMic, ids.annCam].sort()); // no producer added
    const mic = annPeer.producers.get(ids.annMic)!;
    expect({ closed: mic.closed, paused: mic.paused }).toEqual({ closed: false, paused: false });
    expect(annPeer.producers.get(ids.annCam)!.paused).toBe(true);
    const flowing = annPeer.consumers.get(ids.annFlowing)!;
    expect({ closed: flowing.closed, paused: flowing.paused }).toEqual({ closed: false, paused: false });
    expect(annPeer.consumers.get(ids.annWaiting)!.paused).toBe(true);
    // Seen from Ann: nothing was announced about her media, and her own requests still work on the same objects.
    expect(ann.sent.filter((message) => !('ok' in message)).length).toBe(annNotificationsBefore);
    expect(await ann.request('restartIce', { transportId: ids.sendTransportId })).toMatchObject({ ok: true });
    expect(await ann.request('pauseProducer', { producerId: ids.annMic })).toMatchObject({ ok: true });
    expect(await ann.request('closeConsumer', { consumerId: ids.annFlowing })).toMatchObject({ ok: true });
    await ann.request('leave');
    await bob.request('leave');
  });
});
