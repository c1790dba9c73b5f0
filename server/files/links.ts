import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import { ProtocolError, type Notification } from '../../shared/protocol/index.ts';
import { refused, type DataConsumerAppData, type DataProducerAppData } from '../sfu/dataChannels.ts';
import type { Peer } from '../sfu/peer.ts';
import { LinkBytes } from './linkBytes.ts';
import type { FileStats } from './stats.ts';

/** Links a peer may hold at once (open, or opened and not yet given their DataProducer). */
export const MAX_FILE_LINKS_PER_PEER = 16;
/** A link whose DataProducer was not made within this time is forgotten (the app gave up on it). */
export const LINK_CLAIM_MS = 30_000;

/** A `file` DataProducer toward an exact set of peers, and the DataConsumers those peers made of it. */
type FileLink = {
  readonly id: string;
  readonly ownerId: string;
  /** Everyone it goes to; of an imported link, its audience on this server alone. */
  readonly audience: ReadonlySet<string>;
  readonly openedAt: number;
  /** Owned by a person on another server: its DataProducer is a copy on the home router (`importLink`). */
  readonly imported: boolean;
  producer: types.DataProducer<DataProducerAppData> | undefined;
  /** By audience peer id: consuming again replaces that peer's older consumer. */
  readonly consumers: Map<string, types.DataConsumer<DataConsumerAppData>>;
};

/**
 * Makes `owner`'s DataProducer consumable on `to`'s router (piped there when they sit on different workers); with no
 * owner, a link imported from another server, whose copy is on the home router.
 */
export type PipeData = (dataProducerId: string, owner: Peer | undefined, to: Peer) => Promise<void>;

/** A link of one of this server's people, once its DataProducer exists. */
export type ProducedFileLink = {
  readonly id: string;
  readonly ownerId: string;
  readonly audience: ReadonlySet<string>;
  readonly producer: types.DataProducer<DataProducerAppData>;
};

/**
 * The room's people on other servers, as file links need them (server/cluster/sharedFileLinks.ts sets it when the
 * room is part of a service): they may be in an audience, a link toward them is sent to their server, and a link
 * of theirs consumed here is said to its owner's server.
 */
export type RemoteFileParties = {
  /** Whether `peerId` is a person of this room on another server. */
  has(peerId: string): boolean;
  /** One of our people's links has its DataProducer: it goes to the servers of its remote audience. */
  produced(link: ProducedFileLink): void;
  /** `peerId`, here, consumes link `linkId` of `ownerId` on another server: its owner may start sending. */
  consumed(linkId: string, ownerId: string, peerId: string): void;
};

/**
 * A room's file links. The bytes never pass through Node: mediasoup forwards each frame of a link's DataProducer
 * to the DataConsumers of its audience alone (through a pipe between workers when the owner and a receiver sit on
 * different ones). The server's own DirectTransport never consumes a file DataProducer.
 */
export class FileLinks {
  readonly #peers: ReadonlyMap<string, Peer>;
  readonly #bytes: LinkBytes;
  readonly #now: () => number;
  readonly #pipeData: PipeData;
  readonly #links = new Map<string, FileLink>();
  readonly #byProducer = new Map<string, FileLink>();
  /** People of the room on other servers; none when this server runs alone. */
  remote: RemoteFileParties | undefined;

  constructor(peers: ReadonlyMap<string, Peer>, stats: FileStats, now: () => number = Date.now, pipeData: PipeData = async () => {}) {
    this.#peers = peers;
    this.#bytes = new LinkBytes(stats);
    this.#pipeData = pipeData;
    this.#now = now;
  }

  /** Registers a link owned by `owner` toward `audience` (other peers in this room, here or on other servers); returns its id. */
  open(owner: Peer, audience: readonly string[]): string {
    this.#prune();
    const ids = new Set(audience);
    if (ids.has(owner.id)) throw new ProtocolError('bad_request', 'A file link goes to other people, not to yourself');
    for (const id of ids) if (!this.#inRoom(id)) throw new ProtocolError('not_found', 'Someone in this audience is not in the room');
    const held = [...this.#links.values()].filter((link) => link.ownerId === owner.id && !link.imported).length;
    if (held >= MAX_FILE_LINKS_PER_PEER) {
      throw new ProtocolError('bad_state', `You have ${MAX_FILE_LINKS_PER_PEER} file links open; close one (closeFileLink) first`);
    }
    const link: FileLink = {
      id: randomUUID(),
      ownerId: owner.id,
      audience: ids,
      openedAt: this.#now(),
      imported: false,
      producer: undefined,
      consumers: new Map(),
    };
    this.#links.set(link.id, link);
    return link.id;
  }

  /**
   * A link of `ownerId`, a person on another server, whose DataProducer was imported onto the home router: its
   * audience here (`audience`, those of them in this room) is told `fileLinkOpened` and consumes it as any link. It
   * goes when the copy closes (its owner closed it, or the link between the servers went).
   */
  importLink(linkId: string, ownerId: string, audience: readonly string[], producer: types.DataProducer<DataProducerAppData>): void {
    const present = new Set(audience.filter((id) => this.#peers.has(id)));
    const replaced = this.#links.get(linkId);
    if (replaced && !replaced.imported) throw new Error('A link of this server imported as another server’s');
    if (producer.closed) return;
    if (replaced) void this.#closeLink(replaced);
    const link: FileLink = { id: linkId, ownerId, audience: present, openedAt: this.#now(), imported: true, producer, consumers: new Map() };
    this.#links.set(link.id, link);
    this.#byProducer.set(producer.id, link);
    producer.observer.once('close', () => {
      if (this.#byProducer.get(producer.id) === link) this.#byProducer.delete(producer.id);
      if (this.#links.get(link.id) === link) this.#links.delete(link.id);
    });
    for (const id of present) this.#peers.get(id)?.notify(opened(link, producer));
  }

  /**
   * `peerId`, on another server, consumes one of our people's links there: its owner may start sending. Ignored
   * unless that link is open, ours, and toward that person.
   */
  remoteReady(linkId: string, peerId: string): void {
    const link = this.#links.get(linkId);
    if (!link?.producer || link.imported || !link.audience.has(peerId) || this.#peers.has(peerId)) return;
    this.#peers.get(link.ownerId)?.notify({ method: 'fileLinkReady', data: { linkId, peerId } });
  }

  /** Whether this DataProducer is a file link's (else it is a chat one, or nobody's). */
  has(dataProducerId: string): boolean {
    return this.#byProducer.has(dataProducerId);
  }

  /**
   * Makes the DataProducer of one of `owner`'s links, unused so far, on its send transport (any transport in tests),
   * and tells each audience peer `fileLinkOpened`.
   */
  async produce(
    owner: Peer,
    transport: types.Transport,
    linkId: string | undefined,
    sctpStreamParameters?: types.SctpStreamParameters,
  ): Promise<types.DataProducer<DataProducerAppData>> {
    if (linkId === undefined) throw new ProtocolError('bad_request', 'A file data producer needs the linkId that openFileLink gave');
    const link = this.#links.get(linkId);
    if (!link || link.ownerId !== owner.id || link.imported) throw new ProtocolError('not_found', 'No such file link');
    if (link.producer) throw new ProtocolError('bad_state', 'This file link already has its data producer; open another link');
    const producer = await transport
      .produceData<DataProducerAppData>({
        label: 'file',
        ...(sctpStreamParameters ? { sctpStreamParameters } : {}),
        appData: { peerId: owner.id, label: 'file' },
      })
      .catch(refused);
    if (owner.closed || producer.closed || this.#links.get(linkId) !== link) {
      producer.close();
      throw new ProtocolError('bad_state', 'The link closed while its data producer was being made');
    }
    link.producer = producer;
    this.#byProducer.set(producer.id, link);
    owner.dataProducers.set(producer.id, producer);
    this.#bytes.received(producer);
    // Closes with the owner's transport, its peer, or the room's router; its consumers close with it.
    producer.observer.once('close', () => {
      owner.dataProducers.delete(producer.id);
      this.#byProducer.delete(producer.id);
      this.#links.delete(link.id);
    });
    for (const id of link.audience) this.#peers.get(id)?.notify(opened(link, producer));
    if ([...link.audience].some((id) => !this.#peers.has(id))) this.remote?.produced({ ...link, producer });
    return producer;
  }

  /**
   * A DataConsumer of a link's DataProducer for one of its audience peers, on its receive transport (`transport` in
   * tests); anyone else is told it does not exist.
   */
  async consume(peer: Peer, dataProducerId: string, transport?: types.Transport): Promise<types.DataConsumer<DataConsumerAppData>> {
    const link = this.#byProducer.get(dataProducerId);
    if (!link || !link.audience.has(peer.id)) throw new ProtocolError('not_found', 'No such data producer in this room');
    transport ??= dataRecvTransport(peer);
    const older = link.consumers.get(peer.id);
    if (older) {
      await this.#bytes.read(older);
      older.close();
    }
    const owner = link.imported ? undefined : this.#peers.get(link.ownerId);
    if (!owner && !link.imported) throw new ProtocolError('not_found', 'That file link has closed');
    const consume = async () => {
      await this.#pipeData(dataProducerId, owner, peer);
      return transport.consumeData<DataConsumerAppData>({ dataProducerId, appData: { label: 'file' } });
    };
    const consumer = await consume().catch((error: unknown) => {
      // Its owner closed it meanwhile: as gone as if it never was.
      if (link.producer?.closed !== false) throw new ProtocolError('not_found', 'That file link has closed', { cause: error });
      throw error;
    });
    if (peer.closed || consumer.closed) {
      consumer.close();
      throw new ProtocolError('bad_state', 'Peer or link went away while consuming');
    }
    link.consumers.set(peer.id, consumer);
    peer.dataConsumers.set(consumer.id, consumer);
    this.#bytes.relayed(consumer);
    // The owner sends nothing before its audience consumes the link (frames would reach nobody): tell it, once the
    // consumer's reply is on its way, so the receiver's channel exists before the first frame.
    setImmediate(() => {
      if (consumer.closed) return;
      if (link.imported) this.remote?.consumed(link.id, link.ownerId, peer.id);
      else this.#peers.get(link.ownerId)?.notify({ method: 'fileLinkReady', data: { linkId: link.id, peerId: peer.id } });
    });
    consumer.observer.once('close', () => {
      peer.dataConsumers.delete(consumer.id);
      if (link.consumers.get(peer.id) === consumer) link.consumers.delete(peer.id);
    });
    return consumer;
  }

  /** The owner is done with a link: its DataProducer closes, and with it every audience peer's DataConsumer. */
  async close(owner: Peer, linkId: string): Promise<void> {
    const link = this.#links.get(linkId);
    if (!link || link.ownerId !== owner.id || link.imported) throw new ProtocolError('not_found', 'No such file link');
    await this.#closeLink(link);
  }

  /**
   * Tells `peer` again about every open link toward it that it does not consume: it missed the notification while
   * its socket was down, or it lost its consumers with a new media session.
   */
  announceTo(peer: Peer): void {
    for (const link of this.#links.values()) {
      if (!link.producer || !link.audience.has(peer.id) || link.consumers.has(peer.id)) continue;
      peer.notify(opened(link, link.producer));
    }
  }

  /** Bytes received and relayed by the links open now, read from mediasoup (closed links are in FileStats). */
  openBytes(): Promise<{ received: number; relayed: number }> {
    return this.#bytes.open();
  }

  get size(): number {
    return this.#links.size;
  }

  /** The room closes; its router takes every DataProducer and DataConsumer with it (their counts go to FileStats). */
  dispose(): void {
    this.#bytes.dispose();
  }

  /** Forgets links never given a DataProducer in time, and closes those whose whole audience has left the room. */
  #prune(): void {
    for (const link of this.#links.values()) {
      const unclaimed = !link.producer && this.#now() - link.openedAt > LINK_CLAIM_MS;
      if (unclaimed || ![...link.audience].some((id) => this.#inRoom(id))) void this.#closeLink(link);
    }
  }

  /** Here, or on another server of the service. */
  #inRoom(peerId: string): boolean {
    return this.#peers.has(peerId) || this.remote?.has(peerId) === true;
  }

  async #closeLink(link: FileLink): Promise<void> {
    this.#links.delete(link.id);
    if (!link.producer) return;
    await this.#bytes.read(...link.consumers.values(), link.producer);
    link.producer.close();
  }
}

/** The peer's receive transport, ready for data channels. */
function dataRecvTransport(peer: Peer): types.Transport {
  const transport = peer.transports.get('recv');
  if (!transport) throw new ProtocolError('bad_state', 'Create a recv transport before consuming data');
  if (!transport.sctpParameters) throw new ProtocolError('bad_state', 'This transport has no SCTP association');
  return transport;
}

function opened(link: FileLink, producer: types.DataProducer): Notification {
  return { method: 'fileLinkOpened', data: { linkId: link.id, dataProducerId: producer.id, from: link.ownerId } };
}
