import { beforeEach, describe, expect, test, vi } from 'vitest';
import { ProtocolError, type ResponseData } from '../../shared/protocol/index.ts';
import type { SignalingClient } from './signaling.ts';

/* A mediasoup-client device whose transports record whether they were closed and whose consume can fail. */
type FakeTransport = { id: string; closed: boolean; close(): void; on(): void; consume(): Promise<FakeConsumer> };
type FakeConsumer = { id: string; closed: boolean; close(): void };
const made: FakeTransport[] = [];
let localConsume: () => Promise<FakeConsumer>;

function fakeTransport(options: { id: string }): FakeTransport {
  const transport: FakeTransport = {
    id: options.id,
    closed: false,
    close: () => void (transport.closed = true),
    on: () => {},
    consume: () => localConsume(),
  };
  made.push(transport);
  return transport;
}

vi.mock('./device.ts', () => ({
  createDevice: () => ({
    rtpCapabilities: {},
    load: async () => {},
    createSendTransport: fakeTransport,
    createRecvTransport: fakeTransport,
  }),
}));

const { SfuSession } = await import('./sfu.ts');

type Handler = (data: Record<string, unknown>) => Promise<unknown>;

/** The server side of signaling: replies from `handlers`, and a log of every request. */
function fakeSignaling(handlers: Record<string, Handler>) {
  const sent: { method: string; data: Record<string, unknown> }[] = [];
  const signaling = {
    request: (method: string, data: Record<string, unknown>) => {
      sent.push({ method, data });
      return handlers[method]?.(data) ?? Promise.resolve({});
    },
  } as unknown as SignalingClient;
  return { signaling, sent };
}

const joinReply = { routerRtpCapabilities: {}, iceServers: [], iceTransportPolicy: 'all' } as unknown as ResponseData<'join'>;

const transportReply = (transportId: string) => async () => ({ transportId, iceParameters: {}, iceCandidates: [], dtlsParameters: {} });

const consumeReply = async () => ({ consumerId: 'c-server', producerId: 'p1', peerId: 'ann', source: 'mic', kind: 'audio', rtpParameters: {}, producerPaused: false });

beforeEach(() => {
  made.length = 0;
  localConsume = async () => ({ id: 'c-server', closed: false, close() {} });
});

describe('SfuSession', () => {
  test('a start that fails half-way closes the transport it did make, here and on the server', async () => {
    let direction = 0;
    const { signaling, sent } = fakeSignaling({
      createTransport: async () => {
        if (direction++ === 0) return transportReply('t-send')();
        throw new ProtocolError('internal', 'the server failed');
      },
    });
    await expect(SfuSession.start(signaling, joinReply, () => {})).rejects.toThrow('the server failed');
    expect(made.map((transport) => [transport.id, transport.closed])).toEqual([['t-send', true]]);
    expect(sent).toContainEqual({ method: 'closeTransport', data: { transportId: 't-send' } });
  });

  test('a consume that fails locally closes the consumer the server made for it', async () => {
    const { signaling, sent } = fakeSignaling({ createTransport: transportReply('t'), consume: consumeReply });
    const session = await SfuSession.start(signaling, joinReply, () => {});
    localConsume = async () => {
      throw new Error('this browser cannot decode it');
    };
    await expect(session.consume('p1')).rejects.toThrow('cannot decode');
    expect(sent).toContainEqual({ method: 'closeConsumer', data: { consumerId: 'c-server' } });
  });

  test('a consumer whose resume fails is closed locally and on the server', async () => {
    const { signaling, sent } = fakeSignaling({
      createTransport: transportReply('t'),
      consume: consumeReply,
      resumeConsumer: async () => {
        throw new ProtocolError('not_found', 'No such consumer');
      },
    });
    const session = await SfuSession.start(signaling, joinReply, () => {});
    const local: FakeConsumer = { id: 'c-server', closed: false, close: () => void (local.closed = true) };
    localConsume = async () => local;
    await expect(session.consume('p1')).rejects.toThrow('No such consumer');
    expect(local.closed).toBe(true);
    expect(sent).toContainEqual({ method: 'closeConsumer', data: { consumerId: 'c-server' } });
  });
});
