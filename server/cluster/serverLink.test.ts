import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/poll.ts';
import { mediaCodecs } from '../sfu/codecs.ts';
import { resolveWorkerBin } from '../sfu/workerBin.ts';
import { ServerLink, type ExportChange } from './serverLink.ts';

/*
 * Two workers stand in for two servers: each has its room's router, and the only thing between them is the pair of
 * ServerLinks, connected through their endpoints and told of each other's changes as the cluster bus would.
 */

const workerBin = resolveWorkerBin(undefined);
const workers: types.Worker[] = [];
let routerA: types.Router;
let routerB: types.Router;
let linkA: ServerLink;
let linkB: ServerLink;

beforeAll(async () => {
  for (let i = 0; i < 2; i++) workers.push(await mediasoup.createWorker({ logLevel: 'warn', ...(workerBin ? { workerBin } : {}) }));
  const routers = await Promise.all(workers.map((worker) => worker.createRouter({ mediaCodecs })));
  [routerA, routerB] = [routers[0]!, routers[1]!];
  const options = { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: true };
  [linkA, linkB] = await Promise.all([ServerLink.open(routerA, options), ServerLink.open(routerB, options)]);
  await Promise.all([linkA.connect(linkB.endpoint), linkB.connect(linkA.endpoint)]);
  // What the bus does: each side's changes reach the other.
  linkA.on('change', (change: ExportChange) => void linkB.apply(change));
  linkB.on('change', (change: ExportChange) => void linkA.apply(change));
});

afterAll(() => {
  for (const worker of workers) worker.close();
});

/** A minimal VP8 RTP packet: what a sender's producer forwards. */
function rtpPacket(seq: number, ssrc: number): Buffer {
  const packet = Buffer.alloc(12 + 20);
  packet[0] = 0x80;
  packet[1] = 101;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(seq * 3000, 4);
  packet.writeUInt32BE(ssrc, 8);
  packet[12] = 0x10; // VP8 payload descriptor: start of partition
  return packet;
}

async function videoProducer(router: types.Router, ssrc: number) {
  const direct = await router.createDirectTransport();
  const producer = await direct.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
      encodings: [{ ssrc }],
    },
    appData: { peerId: 'alice', source: 'camera' },
  });
  return { direct, producer };
}

describe('a link between two servers', () => {
  test("carries a producer's packets to the other server under the same id, with its pauses and its end", async () => {
    const { producer } = await videoProducer(routerA, 1111);
    const exported = await linkA.exportProducer(producer.id, producer.appData);
    // Through JSON, as the bus carries it.
    const copy = await linkB.importProducer(JSON.parse(JSON.stringify(exported)));
    expect(copy.id).toBe(producer.id);
    expect(copy.appData).toEqual({ peerId: 'alice', source: 'camera' });

    const receiver = await routerB.createDirectTransport();
    const consumer = await receiver.consume({ producerId: producer.id, rtpCapabilities: routerB.rtpCapabilities });
    let received = 0;
    consumer.on('rtp', () => received++);
    let seq = 0;
    const sender = setInterval(() => producer.send(rtpPacket(seq++, 1111)), 10);
    try {
      await waitUntil(async () => received >= 20, 'packets to cross the link', 10_000);

      await producer.pause();
      await waitUntil(async () => consumer.producerPaused, 'the pause to reach the other server', 5_000);
      await producer.resume();
      await waitUntil(async () => !consumer.producerPaused, 'the resume to reach the other server', 5_000);

      const closed = new Promise<void>((resolve) => consumer.once('producerclose', () => resolve()));
      producer.close();
      await closed;
      expect(copy.closed).toBe(true);
    } finally {
      clearInterval(sender);
    }
  });

  test("carries a data producer's messages (a file link) to the other server", async () => {
    const direct = await routerA.createDirectTransport();
    const dataProducer = await direct.produceData({ label: 'file', protocol: 'huddle-file' });
    const exported = await linkA.exportDataProducer(dataProducer.id, { peerId: 'alice' });
    const copy = await linkB.importDataProducer(JSON.parse(JSON.stringify(exported)));
    expect(copy.id).toBe(dataProducer.id);
    expect(copy.label).toBe('file');

    const receiver = await routerB.createDirectTransport();
    const dataConsumer = await receiver.consumeData({ dataProducerId: dataProducer.id });
    const messages: string[] = [];
    dataConsumer.on('message', (payload) => messages.push(payload.toString()));
    // The SCTP association between the pipes may still be coming up: send until one arrives.
    let n = 0;
    await waitUntil(
      async () => {
        dataProducer.send(`chunk ${n++}`);
        return messages.length > 0;
      },
      'a message to cross the link',
      10_000,
    );
    expect(messages[0]).toMatch(/^chunk \d+$/);

    const gone = new Promise<void>((resolve) => dataConsumer.once('dataproducerclose', () => resolve()));
    dataProducer.close();
    await gone;
  });

  test('closing the link closes what was imported through it, so the other server\'s people are told', async () => {
    const spareA = await ServerLink.open(routerA, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: false });
    const spareB = await ServerLink.open(routerB, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: false });
    await Promise.all([spareA.connect(spareB.endpoint), spareB.connect(spareA.endpoint)]);
    await expect(spareA.connect(spareB.endpoint)).rejects.toThrow(/already connected/);

    const { producer } = await videoProducer(routerA, 2222);
    await spareB.importProducer(await spareA.exportProducer(producer.id));
    const receiver = await routerB.createDirectTransport();
    const consumer = await receiver.consume({ producerId: producer.id, rtpCapabilities: routerB.rtpCapabilities });
    const closed = new Promise<void>((resolve) => consumer.once('producerclose', () => resolve()));
    spareB.close();
    await closed;
    expect(spareB.closed).toBe(true);
    spareA.close();
  });

  test('starts its SCTP association with its first data export and says when it is up: a frame sent then arrives', async () => {
    const options = { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: false };
    const [endA, endB] = await Promise.all([ServerLink.open(routerA, options), ServerLink.open(routerB, options)]);
    await Promise.all([endA.connect(endB.endpoint), endB.connect(endA.endpoint)]);
    // Connected, but nothing to carry yet: mediasoup has not started the association.
    expect(await endA.sctpConnected(100)).toBe(false);

    const direct = await routerA.createDirectTransport();
    const dataProducer = await direct.produceData({ label: 'file' });
    await endB.importDataProducer(await endA.exportDataProducer(dataProducer.id));
    const receiver = await routerB.createDirectTransport();
    const dataConsumer = await receiver.consumeData({ dataProducerId: dataProducer.id });
    const messages: string[] = [];
    dataConsumer.on('message', (payload) => messages.push(payload.toString()));
    expect(await endA.sctpConnected(10_000)).toBe(true);
    dataProducer.send('the first frame');
    await waitUntil(() => messages.length === 1, 'the first frame to cross', 5_000);
    expect(messages).toEqual(['the first frame']);
    endA.close();
    endB.close();
    expect(await endA.sctpConnected(10_000)).toBe(false);
  });

  test('sends chat and file frames through a buffer as large as a person gets (SCTP_SEND_BUFFER_SIZE), not the pipe default', async () => {
    const opened: types.Transport[] = [];
    const onTransport = (transport: types.Transport) => opened.push(transport);
    routerA.observer.on('newtransport', onTransport);
    const sized = await ServerLink.open(routerA, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', enableSrtp: false, sctpSendBufferSize: 4 * 1024 * 1024 });
    routerA.observer.off('newtransport', onTransport);
    const { sctpParameters } = (await opened[0]!.dump()) as { sctpParameters?: { sendBufferSize: number; perStreamSendQueueLimit: number } };
    // mediasoup's pipe default is 2 000 000 bytes for both.
    expect(sctpParameters).toMatchObject({ sendBufferSize: 4 * 1024 * 1024, perStreamSendQueueLimit: 4 * 1024 * 1024 });
    sized.close();
  });
});
