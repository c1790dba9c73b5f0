import type { types } from 'mediasoup';
import { ProtocolError, type ConnectionQuality, type PeerInfo } from '../../shared/protocol/index.ts';
import type { ConsumerAppData, Peer, ProducerAppData } from './peer.ts';
import type { Room } from './room.ts';

/**
 * People of a room who sit on other servers of the service (server/cluster/remotePeers.ts): their producers are
 * imported onto the room's home router under their own ids, so they are consumed like a local peer's.
 */
export type RemotePeople = {
  /** Their entries for a join reply, as a local peer's `info()`. */
  infos(): PeerInfo[];
  /** An imported producer (on the home router), by id. */
  producer(producerId: string): types.Producer<ProducerAppData> | undefined;
  /** How their own servers rate their connections (peer id, rating), for someone who just joined. */
  qualities?(): Iterable<[string, ConnectionQuality]>;
};

/**
 * Creates a paused consumer of another person's producer on `peer`'s receive transport: a local peer's (on its own
 * router), or one imported from another server (on the home router).
 */
export async function consumeIn(room: Room, peer: Peer, producerId: string): Promise<types.Consumer<ConsumerAppData>> {
  const owner = room.otherPeers(peer).find((other) => other.producers.has(producerId));
  const producer = owner?.producers.get(producerId) ?? room.remote?.producer(producerId);
  if (!producer || producer.closed) throw new ProtocolError('not_found', 'No such producer in this room');
  const transport = peer.transports.get('recv');
  if (!transport) throw new ProtocolError('bad_state', 'Create a recv transport before consuming');
  if (!peer.rtpCapabilities) throw new ProtocolError('bad_state', 'Send setCapabilities before consuming');
  // On another worker: its pipe to this peer's router carries it under the same id (made once, shared).
  const { router } = room.routers.of(peer.id);
  const from = owner ? room.routers.of(owner.id).router : room.routers.home.router;
  await room.routers.pipe('media', producerId, from, router).catch((error: unknown) => {
    if (producer.closed) throw new ProtocolError('not_found', 'That producer has closed', { cause: error });
    throw error;
  });
  if (!router.canConsume({ producerId, rtpCapabilities: peer.rtpCapabilities })) {
    throw new ProtocolError('cannot_consume', 'This device cannot decode that stream');
  }
  for (const existing of peer.consumers.values()) if (existing.producerId === producerId) existing.close();
  // Start paused: the client resumes once its local consumer is wired up, so the first key frame is not lost.
  const consumer = await transport.consume<ConsumerAppData>({
    producerId,
    rtpCapabilities: peer.rtpCapabilities,
    paused: true,
    appData: { peerId: producer.appData.peerId, source: producer.appData.source, producerId },
  });
  if (peer.closed || consumer.closed) {
    consumer.close();
    throw new ProtocolError('bad_state', 'Peer or producer went away while consuming');
  }
  peer.consumers.set(consumer.id, consumer);
  room.routers.countStream(peer.id, consumer);
  const notifyClosed = () => peer.notify({ method: 'consumerClosed', data: { consumerId: consumer.id } });
  consumer.on('producerclose', notifyClosed);
  consumer.on('transportclose', notifyClosed);
  consumer.observer.on('close', () => peer.consumers.delete(consumer.id));
  return consumer;
}
