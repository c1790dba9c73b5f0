import type { Consumer } from 'mediasoup-client/types';
import type { MediaSource, PeerInfo } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import { upsertParticipant } from '../models/participants.ts';
import type { SfuSession } from '../net/sfu.ts';

const log = createLogger('remote-media');

type Received = { consumer: Consumer; peerId: string; source: MediaSource };

/**
 * What we receive: one consumer per remote producer, its track put on the owner's participant. Handles both ways
 * the server can say something ended (`producerClosed` by producer, `consumerClosed` by consumer).
 */
export class RemoteMedia {
  readonly #received = new Map<string, Received>(); // by producer id
  /** Producers we still want; a producer closed while its consume was in flight is dropped on arrival. */
  readonly #wanted = new Set<string>();
  /**
   * Mute changes that arrived while a consume was in flight. Notifications are the latest word, so they win over
   * the paused state in the consume reply, which may have been read before the change.
   */
  readonly #pausedMeanwhile = new Map<string, boolean>();
  #sfu: SfuSession | undefined;
  readonly #onChange: () => void;

  /** `onChange`: the set of received streams changed (for TileViewReporter). */
  constructor(onChange: () => void = () => {}) {
    this.#onChange = onChange;
  }

  /** Every video we receive and the tile it belongs to. */
  receivedVideo(): { consumerId: string; tileKey: string }[] {
    return [...this.#received.values()]
      .filter((received) => received.source !== 'mic')
      .map((received) => ({ consumerId: received.consumer.id, tileKey: `${received.peerId}:${received.source}` }));
  }

  attach(sfu: SfuSession): void {
    this.#sfu = sfu;
  }

  async consume(producerId: string): Promise<void> {
    const sfu = this.#sfu;
    if (!sfu || this.#wanted.has(producerId)) return;
    this.#wanted.add(producerId);
    try {
      const { consumer, peerId, source, producerPaused } = await sfu.consume(producerId);
      if (sfu !== this.#sfu) return void consumer.close(); // that session and its server-side peer are gone
      // The producer closed while we were consuming it: tell the server too, if it does not know already.
      if (!this.#wanted.has(producerId)) return sfu.dropConsumer(consumer);
      this.#received.set(producerId, { consumer, peerId, source });
      consumer.on('transportclose', () => this.#forget(producerId));
      consumer.on('trackended', () => {
        if (this.#received.get(producerId)?.consumer !== consumer) return;
        sfu.dropConsumer(consumer);
        this.#forget(producerId);
      });
      const paused = this.#pausedMeanwhile.get(producerId) ?? producerPaused;
      this.#pausedMeanwhile.delete(producerId);
      upsertParticipant(peerId, { [source]: consumer.track, ...(source === 'mic' ? { micMuted: paused } : {}) });
      this.#onChange();
    } catch (error) {
      this.#wanted.delete(producerId);
      this.#pausedMeanwhile.delete(producerId);
      log.warn('could not receive a stream', { producerId, error: String(error) });
    }
  }

  closeProducer(producerId: string): void {
    this.#wanted.delete(producerId);
    this.#pausedMeanwhile.delete(producerId);
    const received = this.#received.get(producerId);
    if (!received) return;
    received.consumer.close();
    this.#forget(producerId);
  }

  closeConsumer(consumerId: string): void {
    for (const [producerId, received] of this.#received) {
      if (received.consumer.id === consumerId) this.closeProducer(producerId);
    }
  }

  setProducerPaused(peerId: string, producerId: string, paused: boolean): void {
    const received = this.#received.get(producerId);
    if (!received) {
      if (this.#wanted.has(producerId)) this.#pausedMeanwhile.set(producerId, paused);
      return;
    }
    if (received.source === 'mic') upsertParticipant(peerId, { micMuted: paused });
  }

  removePeer(peerId: string): void {
    for (const [producerId, received] of this.#received) if (received.peerId === peerId) this.closeProducer(producerId);
  }

  /**
   * After a resume the notifications sent while we were away are lost: drop what no longer exists and consume
   * what is new, from the room as the server sees it now.
   */
  reconcile(peers: PeerInfo[]): void {
    const live = new Set(peers.flatMap((peer) => peer.publications.map((publication) => publication.id)));
    for (const producerId of [...this.#wanted]) if (!live.has(producerId)) this.closeProducer(producerId);
    for (const peer of peers) {
      for (const publication of peer.publications) {
        void this.consume(publication.id);
        this.setProducerPaused(peer.id, publication.id, publication.paused);
      }
    }
  }

  /** Forgets everything (the server-side peer is gone; its consumers died with it). */
  reset(): void {
    for (const received of this.#received.values()) received.consumer.close();
    this.#received.clear();
    this.#wanted.clear();
    this.#pausedMeanwhile.clear();
    this.#sfu = undefined;
  }

  #forget(producerId: string): void {
    const received = this.#received.get(producerId);
    if (!received) return;
    this.#received.delete(producerId);
    this.#wanted.delete(producerId);
    this.#onChange();
    upsertParticipant(received.peerId, { [received.source]: null, ...(received.source === 'mic' ? { micMuted: true } : {}) });
  }
}
