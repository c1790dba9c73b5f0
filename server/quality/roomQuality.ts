import type { types } from 'mediasoup';
import type { ConnectionQuality } from '../../shared/protocol/index.ts';
import type { Peer, TransportAppData } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';
import { measureLayers } from './layerRates.ts';
import { rateConnection, SteadyRating } from './connectionRating.ts';
import { ReceiverQuality } from './receiverQuality.ts';

/** How often each person's connection is rated again (and layer caps revisited without a new estimate). */
const EVALUATE_EVERY_MS = 2_000;

const rooms = new WeakMap<Room, RoomQuality>();

/** The quality side of a room, made on first use and gone with the room. */
export function qualityOf(room: Room): RoomQuality {
  let quality = rooms.get(room);
  if (!quality) {
    quality = new RoomQuality(room);
    rooms.set(room, quality);
  }
  return quality;
}

/**
 * Adaptive quality for one room: a ReceiverQuality per peer (layers and priorities of what it receives) and each
 * person's connection rating, told to everyone when it changes (`connectionQuality`).
 */
export class RoomQuality {
  readonly #room: Room;
  readonly #receivers = new WeakMap<Peer, ReceiverQuality>();
  readonly #ratings = new Map<string, SteadyRating>();
  readonly #timer: NodeJS.Timeout;

  constructor(room: Room) {
    this.#room = room;
    this.#timer = setInterval(() => this.#evaluate(), EVALUATE_EVERY_MS);
    this.#timer.unref();
  }

  receiver(peer: Peer): ReceiverQuality {
    let receiver = this.#receivers.get(peer);
    if (!receiver) {
      receiver = new ReceiverQuality(this.#room, peer);
      this.#receivers.set(peer, receiver);
    }
    return receiver;
  }

  /** A receive transport was created for `peer`: follow its estimate, and tell the peer everyone's rating. */
  receiveTransportCreated(peer: Peer, transport: types.WebRtcTransport<TransportAppData>): void {
    this.receiver(peer).watch(transport);
    for (const [peerId, rating] of this.#ratings) {
      const quality = rating.shown;
      if (quality && this.#room.peers.has(peerId)) peer.notify({ method: 'connectionQuality', data: { peerId, quality } });
    }
    // People on other servers, as their own servers rate them (server/cluster/remoteQuality.ts).
    for (const [peerId, quality] of this.#room.remote?.qualities?.() ?? []) peer.notify({ method: 'connectionQuality', data: { peerId, quality } });
  }

  /** The ratings shown now of this server's people (peer id, rating): what the other servers hosting the room are told. */
  *shown(): Iterable<[string, ConnectionQuality]> {
    for (const [peerId, rating] of this.#ratings) if (rating.shown && this.#room.peers.has(peerId)) yield [peerId, rating.shown];
  }

  #evaluate(): void {
    if (this.#room.closed) return clearInterval(this.#timer);
    for (const peerId of this.#ratings.keys()) if (!this.#room.peers.has(peerId)) this.#ratings.delete(peerId);
    for (const peer of this.#room.peers.values()) {
      for (const producer of peer.producers.values()) if (producer.kind === 'video') void measureLayers(producer);
    }
    for (const peer of this.#room.peers.values()) {
      const receiver = this.receiver(peer);
      receiver.update();
      const scores: number[] = [];
      for (const producer of peer.producers.values()) {
        // A simulcast sender may switch its top layers off on purpose (score 0): its best stream tells its link.
        const best = Math.max(...producer.score.map((stream) => stream.score));
        if (!producer.paused && Number.isFinite(best)) scores.push(best);
      }
      for (const consumer of peer.consumers.values()) if (!consumer.paused && !consumer.producerPaused) scores.push(consumer.score.score);
      const estimate = receiver.estimate;
      const quality = rateConnection({ estimate: estimate?.available, desired: estimate?.desired, scores });
      let rating = this.#ratings.get(peer.id);
      if (!rating) this.#ratings.set(peer.id, (rating = new SteadyRating()));
      const changed = rating.next(quality);
      if (changed) this.#room.broadcast({ method: 'connectionQuality', data: { peerId: peer.id, quality: changed } });
    }
  }
}
