import type { types } from 'mediasoup';
import type { ConnectionQuality, Notification, PeerInfo, Publication } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { RemotePeople } from '../sfu/consume.ts';
import type { ProducerAppData } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';

const log = createLogger('cluster');

/** A person of the room on another server, as the other servers announced them. */
export type RemotePeerInfo = { id: string; name: string; connected: boolean };

type RemotePeer = RemotePeerInfo & {
  serverId: string;
  /** Their producers imported onto the room's home router, by id. */
  producers: Map<string, types.Producer<ProducerAppData>>;
  /** How their server rates their connection (server/cluster/remoteQuality.ts), once it said. */
  quality?: ConnectionQuality;
};

/**
 * The people of one local room who sit on other servers: who they are (presence over the room's bus channel) and
 * their producers imported through the links (server/cluster/sharedRoom.ts). The room's own people are told about
 * them with the same notifications as about local people, so the app cannot tell the difference; the room consults
 * this for join replies and consumers (`Room.remote`).
 */
export class RemotePeers implements RemotePeople {
  readonly #room: Room;
  readonly #peers = new Map<string, RemotePeer>();

  constructor(room: Room) {
    this.#room = room;
  }

  has(peerId: string): boolean {
    return this.#peers.has(peerId);
  }

  /** Who the person is and which server has them (file transfers reach them through it). */
  party(peerId: string): (RemotePeerInfo & { serverId: string }) | undefined {
    const peer = this.#peers.get(peerId);
    return peer && { id: peer.id, name: peer.name, connected: peer.connected, serverId: peer.serverId };
  }

  /** The other servers with people in the room. */
  servers(): Set<string> {
    return new Set([...this.#peers.values()].map((peer) => peer.serverId));
  }

  get size(): number {
    return this.#peers.size;
  }

  infos(): PeerInfo[] {
    return [...this.#peers.values()].map((peer) => ({
      id: peer.id,
      name: peer.name,
      connected: peer.connected,
      publications: [...peer.producers.values()].map(publicationOf),
    }));
  }

  /** The server this person sits on, if they are a person of the room on another server. */
  serverOf(peerId: string): string | undefined {
    return this.#peers.get(peerId)?.serverId;
  }

  producer(producerId: string): types.Producer<ProducerAppData> | undefined {
    for (const peer of this.#peers.values()) {
      const producer = peer.producers.get(producerId);
      if (producer) return producer;
    }
    return undefined;
  }

  /** Every producer imported from `serverId`. */
  producersFrom(serverId: string): types.Producer<ProducerAppData>[] {
    return [...this.#peers.values()].filter((peer) => peer.serverId === serverId).flatMap((peer) => [...peer.producers.values()]);
  }

  /** `serverId` has this person in the room; the room's people are told when they are new. */
  joined(serverId: string, info: RemotePeerInfo): void {
    // A local peer's id announced by another server is a mistake (or a forgery): the local one stays.
    if (this.#room.peers.has(info.id)) return;
    const known = this.#peers.get(info.id);
    if (known) {
      if (known.serverId !== serverId) return;
      if (known.connected !== info.connected) this.connectionChanged(serverId, info.id, info.connected);
      return;
    }
    this.#peers.set(info.id, { ...info, serverId, producers: new Map() });
    this.#tell({ method: 'peerJoined', data: { peer: { ...info, publications: [] } } });
  }

  /** The person left (or their server did): their imported producers close first, as a local peer's do. */
  left(serverId: string, peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (!peer || peer.serverId !== serverId) return;
    for (const producer of peer.producers.values()) producer.close();
    this.#peers.delete(peerId);
    this.#tell({ method: 'peerLeft', data: { peerId } });
  }

  connectionChanged(serverId: string, peerId: string, connected: boolean): void {
    const peer = this.#peers.get(peerId);
    if (!peer || peer.serverId !== serverId || peer.connected === connected) return;
    peer.connected = connected;
    this.#tell({ method: 'peerConnectionChanged', data: { peerId, connected } });
  }

  /** `serverId` has exactly these people in the room now: the ones it no longer lists left. */
  reconcile(serverId: string, infos: RemotePeerInfo[]): void {
    const listed = new Set(infos.map((info) => info.id));
    for (const peer of [...this.#peers.values()]) if (peer.serverId === serverId && !listed.has(peer.id)) this.left(serverId, peer.id);
    for (const info of infos) this.joined(serverId, info);
  }

  /** Everyone `serverId` had in the room leaves (the room closed there, or the server is gone). */
  serverGone(serverId: string): void {
    for (const peer of [...this.#peers.values()]) if (peer.serverId === serverId) this.left(serverId, peer.id);
  }

  /**
   * A producer imported from `serverId`: its owner's people are told as of a local producer, and again when it
   * closes (its server closed it, the link went, or its owner left). One from nobody known there is closed.
   */
  imported(serverId: string, producer: types.Producer<ProducerAppData>): void {
    const peer = this.#peers.get(producer.appData.peerId);
    if (!peer || peer.serverId !== serverId || producer.closed) {
      log.debug('imported producer of nobody known here', { room: this.#room.id, server: serverId, producer: producer.id });
      producer.close();
      return;
    }
    peer.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      if (peer.producers.get(producer.id) !== producer) return;
      peer.producers.delete(producer.id);
      this.#tell({ method: 'producerClosed', data: { peerId: peer.id, producerId: producer.id } });
    });
    this.#tell({ method: 'producerAdded', data: { peerId: peer.id, publication: publicationOf(producer) } });
    if (producer.appData.source === 'mic') this.#room.speaker.importedMicAdded(producer);
  }

  /** Their server rated their connection anew: the room's people are told as of a local person's. */
  qualityChanged(serverId: string, peerId: string, quality: ConnectionQuality): void {
    const peer = this.#peers.get(peerId);
    // Only a person's own server rates them: a rating of someone else's (or of nobody known) is dropped.
    if (!peer || peer.serverId !== serverId || peer.quality === quality) return;
    peer.quality = quality;
    this.#tell({ method: 'connectionQuality', data: { peerId, quality } });
  }

  /** The ratings known now, for someone who just joined (as RoomQuality tells them the local ones). */
  *qualities(): Iterable<[string, ConnectionQuality]> {
    for (const peer of this.#peers.values()) if (peer.quality) yield [peer.id, peer.quality];
  }

  /** A remote producer was paused or resumed (its copy here already is). */
  pausedChanged(producer: types.Producer<ProducerAppData>): void {
    const data = { peerId: producer.appData.peerId, producerId: producer.id, paused: producer.paused };
    this.#tell({ method: 'producerPausedChanged', data });
    if (producer.appData.source === 'mic') {
      if (producer.paused) this.#room.speaker.micPaused(producer);
      else this.#room.speaker.micResumed(producer);
    }
  }

  /** The room's own people, not `room.broadcast`: that one is for news about local people, which the others follow. */
  #tell(notification: Notification): void {
    if (this.#room.closed) return;
    for (const peer of this.#room.peers.values()) peer.notify(notification);
  }
}

function publicationOf(producer: types.Producer<ProducerAppData>): Publication {
  return { id: producer.id, source: producer.appData.source, kind: producer.kind, paused: producer.paused };
}
