import type { types } from 'mediasoup';
import { ProtocolError, type DataLabel } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { Peer, TransportAppData } from './peer.ts';
import type { RoomRouters } from './roomRouters.ts';

const log = createLogger('data');

export type DataProducerAppData = { peerId: string; label: DataLabel };
export type DataConsumerAppData = { label: string };

/** SCTP payload protocol ids (RFC 8831): text frames are WebRTC String (51), or String Empty (56). */
export const PPID_STRING = 51;
export const PPID_STRING_EMPTY = 56;

/** A frame a peer sent on one of its DataProducers, as the server's DirectTransport DataConsumer got it. */
export type DataMessage = { peer: Peer; label: DataLabel; payload: Buffer; ppid: number };

export type DataChannelEvents = {
  message(message: DataMessage): void;
  /**
   * The feed toward some peer overflowed (frames were dropped) and has drained again. Frames dropped at the end of
   * a burst leave no later frame to reveal the gap: the newest one should be sent again.
   */
  feedDrained(): void;
};

/** mediasoup refused the parameters the peer gave (e.g. a stream id it already uses): the peer's mistake, said so. */
export function refused(error: unknown): never {
  const reason = error instanceof Error ? error.message.slice(0, 200) : String(error);
  throw new ProtocolError('media_error', `The data producer was refused: ${reason}`, { cause: error });
}

/** Counted for /metrics: totals since the start, across every room. */
export class DataChannelStats {
  /** Bytes of frames the server received from peers. */
  bytesIn = 0;
  /** Bytes the server sent on its feeds, once per receiving peer. */
  bytesOut = 0;
  /** mediasoup's SCTP send buffer toward a peer was full: a message may have been dropped (the app repairs it). */
  sendBufferFull = 0;
}

/**
 * A room's data-channel plumbing. The server takes part through a DirectTransport on the home router: it consumes
 * each peer's `chat` DataProducer (so it sees, checks and stores every message before anyone else gets it) and
 * produces the room's `chat` feed, which every peer consumes on its receive transport. A peer on another worker's
 * router reaches both through pipes: its chat DataProducer piped to the home router, the feed piped to its router.
 */
export class RoomDataChannels {
  readonly #roomId: string;
  readonly #routers: RoomRouters;
  readonly #direct: types.DirectTransport;
  readonly #chatFeed: types.DataProducer;
  readonly #feedConsumers = new Set<types.DataConsumer>();
  readonly #stats: DataChannelStats;
  readonly #events: DataChannelEvents;

  private constructor(
    roomId: string,
    routers: RoomRouters,
    direct: types.DirectTransport,
    chatFeed: types.DataProducer,
    stats: DataChannelStats,
    events: DataChannelEvents,
  ) {
    this.#roomId = roomId;
    this.#routers = routers;
    this.#direct = direct;
    this.#chatFeed = chatFeed;
    this.#stats = stats;
    this.#events = events;
  }

  static async create(
    routers: RoomRouters,
    roomId: string,
    stats: DataChannelStats,
    events: DataChannelEvents,
  ): Promise<RoomDataChannels> {
    const direct = await routers.home.router.createDirectTransport();
    const chatFeed = await direct.produceData({ label: 'chat' });
    return new RoomDataChannels(roomId, routers, direct, chatFeed, stats, events);
  }

  /** The room's chat feed, named in the join reply. */
  get chatFeedId(): string {
    return this.#chatFeed.id;
  }

  /**
   * A peer's `chat` DataProducer on its send transport; a newer one replaces the older (a reconnect). A test may
   * stand in for the browser with a DirectTransport on the peer's router.
   */
  async produce(
    peer: Peer,
    transport: types.WebRtcTransport<TransportAppData> | types.DirectTransport<TransportAppData>,
    options: { label: DataLabel; sctpStreamParameters: types.SctpStreamParameters },
  ): Promise<types.DataProducer<DataProducerAppData>> {
    if (transport.appData.direction !== 'send') throw new ProtocolError('bad_request', 'Produce data on the send transport');
    if (transport.type === 'webrtc' && !transport.sctpParameters) throw new ProtocolError('bad_state', 'This transport has no SCTP association');
    // File links (server/files/links.ts) are forwarded by mediasoup alone: the server must never listen to them.
    if (options.label !== 'chat') throw new ProtocolError('bad_request', 'The server listens to chat data producers only');
    for (const existing of peer.dataProducers.values()) if (existing.appData.label === options.label) existing.close();
    const dataProducer = await transport
      .produceData<DataProducerAppData>({
        label: options.label,
        ...(transport.type === 'webrtc' ? { sctpStreamParameters: options.sctpStreamParameters } : {}),
        appData: { peerId: peer.id, label: options.label },
      })
      .catch(refused);
    if (peer.closed || dataProducer.closed) {
      dataProducer.close();
      throw new ProtocolError('bad_state', 'Peer left while producing data');
    }
    peer.dataProducers.set(dataProducer.id, dataProducer);
    dataProducer.observer.on('close', () => peer.dataProducers.delete(dataProducer.id));
    // The server's own listener: closes by itself with the peer's DataProducer or with the room's DirectTransport.
    await this.#routers.pipe('data', dataProducer.id, this.#routers.of(peer.id).router, this.#routers.home.router);
    const listener = await this.#direct.consumeData({ dataProducerId: dataProducer.id });
    listener.on('message', (payload, ppid) => {
      this.#stats.bytesIn += payload.length;
      this.#events.message({ peer, label: options.label, payload, ppid });
    });
    return dataProducer;
  }

  /**
   * Consumes one of the room's feeds on the peer's receive transport (`transport`: a test's DirectTransport on the
   * peer's router); consuming it again replaces the older one.
   */
  async consume(peer: Peer, dataProducerId: string, testTransport?: types.DirectTransport): Promise<types.DataConsumer<DataConsumerAppData>> {
    if (dataProducerId !== this.#chatFeed.id) throw new ProtocolError('not_found', 'No such data producer in this room');
    const transport: types.Transport = testTransport ?? recvTransport(peer);
    for (const existing of peer.dataConsumers.values()) if (existing.dataProducerId === dataProducerId) existing.close();
    await this.#routers.pipe('data', dataProducerId, this.#routers.home.router, this.#routers.of(peer.id).router);
    const dataConsumer = await transport.consumeData<DataConsumerAppData>({
      dataProducerId,
      appData: { label: this.#chatFeed.label },
    });
    if (peer.closed || dataConsumer.closed) {
      dataConsumer.close();
      throw new ProtocolError('bad_state', 'Peer left while consuming data');
    }
    peer.dataConsumers.set(dataConsumer.id, dataConsumer);
    this.#feedConsumers.add(dataConsumer);
    dataConsumer.observer.on('close', () => {
      peer.dataConsumers.delete(dataConsumer.id);
      this.#feedConsumers.delete(dataConsumer);
    });
    // mediasoup drops messages on a reliable channel when this fills, and says so only here (see docs/protocol.md).
    // A burst fires it once per message: logged about once a second per peer, every one counted.
    let loggedAt = -Infinity;
    let unlogged = 0;
    let overflowed = false;
    dataConsumer.on('bufferedamountlow', () => {
      if (!overflowed) return;
      overflowed = false;
      this.#events.feedDrained();
    });
    dataConsumer.on('sctpsendbufferfull', () => {
      this.#stats.sendBufferFull++;
      overflowed = true;
      unlogged++;
      if (Date.now() - loggedAt < 1000) return;
      loggedAt = Date.now();
      log.warn('SCTP send buffer full: messages to this peer were dropped', { room: this.#roomId, peer: peer.id, times: unlogged });
      unlogged = 0;
    });
    return dataConsumer;
  }

  /** Sends a text frame on the chat feed to every peer consuming it; returns how many that is. */
  sendChat(text: string): number {
    if (this.#chatFeed.closed) return 0;
    this.#chatFeed.send(text);
    const receivers = this.#feedConsumers.size;
    this.#stats.bytesOut += Buffer.byteLength(text) * receivers;
    return receivers;
  }

  close(): void {
    // Closing the DirectTransport closes the feed and the server's listeners; peers' consumers get 'dataproducerclose'.
    this.#direct.close();
  }
}

/** The peer's receive transport, ready for data channels. */
function recvTransport(peer: Peer): types.WebRtcTransport<TransportAppData> {
  const transport = peer.transports.get('recv');
  if (!transport) throw new ProtocolError('bad_state', 'Create a recv transport before consuming data');
  if (!transport.sctpParameters) throw new ProtocolError('bad_state', 'This transport has no SCTP association');
  return transport;
}
