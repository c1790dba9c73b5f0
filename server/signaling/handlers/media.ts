import type { types } from 'mediasoup';
import { ProtocolError } from '../../../shared/protocol/index.ts';
import { iceServersFor } from '../../ice/iceServers.ts';
import { qualityOf } from '../../quality/roomQuality.ts';
import type { Peer } from '../../sfu/peer.ts';
import { requireJoined, type HandlerTable } from '../context.ts';

type MediaHandlers = Pick<
  HandlerTable,
  | 'createTransport'
  | 'connectTransport'
  | 'restartIce'
  | 'closeTransport'
  | 'produce'
  | 'closeProducer'
  | 'pauseProducer'
  | 'resumeProducer'
  | 'consume'
  | 'resumeConsumer'
  | 'closeConsumer'
  | 'setConsumerView'
>;

/* Lookups only search the asking peer's own maps: an id belonging to someone else is simply "not found". */

export function ownTransport(peer: Peer, transportId: string) {
  for (const transport of peer.transports.values()) if (transport.id === transportId) return transport;
  throw new ProtocolError('not_found', 'No such transport');
}

function ownProducer(peer: Peer, producerId: string) {
  const producer = peer.producers.get(producerId);
  if (!producer) throw new ProtocolError('not_found', 'No such producer');
  return producer;
}

function ownConsumer(peer: Peer, consumerId: string) {
  const consumer = peer.consumers.get(consumerId);
  if (!consumer) throw new ProtocolError('not_found', 'No such consumer');
  return consumer;
}

export const mediaHandlers: MediaHandlers = {
  async createTransport({ session }, { direction }) {
    const { room, peer } = requireJoined(session);
    const transport = await room.createTransport(peer, direction);
    // A new receive transport has no file-link consumers yet: name the links toward this peer again, after the reply.
    if (direction === 'recv') setImmediate(() => room.fileLinks.announceTo(peer));
    // Its estimate drives the layers this peer receives; everyone's connection rating follows the reply.
    if (direction === 'recv') setImmediate(() => qualityOf(room).receiveTransportCreated(peer, transport));
    return {
      transportId: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
      ...(transport.sctpParameters ? { sctpParameters: transport.sctpParameters } : {}),
    };
  },

  async connectTransport({ session }, { transportId, dtlsParameters }) {
    const { peer } = requireJoined(session);
    const transport = ownTransport(peer, transportId);
    // mediasoup throws an untyped error on a second connect: the client's mistake, said as such.
    if (transport.appData.connected) throw new ProtocolError('bad_state', 'This transport is connected already');
    await transport.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
    transport.appData.connected = true;
    return {};
  },

  async restartIce({ session, services }, { transportId }) {
    const { peer } = requireJoined(session);
    const iceParameters = await ownTransport(peer, transportId).restartIce();
    // New TURN credentials with every restart: the ones from the join may have expired (TURN_CREDENTIAL_TTL_S).
    return { iceParameters, iceServers: iceServersFor(services.config.ice, peer.id) };
  },

  async closeTransport({ session }, { transportId }) {
    const { peer } = requireJoined(session);
    ownTransport(peer, transportId).close();
    return {};
  },

  async produce({ session }, { transportId, kind, source, rtpParameters, paused }) {
    const { room, peer } = requireJoined(session);
    const transport = ownTransport(peer, transportId);
    if (transport.appData.direction !== 'send') throw new ProtocolError('bad_request', 'Produce on the send transport');
    const producer = await room.produce(peer, transport, {
      kind,
      source,
      rtpParameters: rtpParameters as types.RtpParameters,
      paused: paused ?? false,
    });
    return { producerId: producer.id };
  },

  async closeProducer({ session }, { producerId }) {
    const { peer } = requireJoined(session);
    ownProducer(peer, producerId).close();
    return {};
  },

  async pauseProducer({ session }, { producerId }) {
    const { room, peer } = requireJoined(session);
    await room.setProducerPaused(peer, ownProducer(peer, producerId), true);
    return {};
  },

  async resumeProducer({ session }, { producerId }) {
    const { room, peer } = requireJoined(session);
    await room.setProducerPaused(peer, ownProducer(peer, producerId), false);
    return {};
  },

  async consume({ session }, { producerId }) {
    const { room, peer } = requireJoined(session);
    const consumer = await room.consume(peer, producerId);
    qualityOf(room).receiver(peer).added(consumer);
    return {
      consumerId: consumer.id,
      producerId,
      peerId: consumer.appData.peerId,
      source: consumer.appData.source,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    };
  },

  async resumeConsumer({ session }, { consumerId }) {
    const { peer } = requireJoined(session);
    await ownConsumer(peer, consumerId).resume();
    return {};
  },

  async closeConsumer({ session }, { consumerId }) {
    const { peer } = requireJoined(session);
    ownConsumer(peer, consumerId).close();
    return {};
  },

  async setConsumerView({ session }, { consumerId, spatialLayer, visible }) {
    const { room, peer } = requireJoined(session);
    const consumer = ownConsumer(peer, consumerId);
    // Sound is never paused for being out of sight, and has no layers.
    if (consumer.kind !== 'video') throw new ProtocolError('bad_request', 'Only a video consumer has a view');
    await qualityOf(room).receiver(peer).setView(consumer, { wanted: spatialLayer, visible });
    return {};
  },
};
