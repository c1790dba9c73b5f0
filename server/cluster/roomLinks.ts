import { randomBytes } from 'node:crypto';
import type { types } from 'mediasoup';
import { createLogger } from '../log.ts';
import type { ProducerAppData } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';
import type { ClusterBus } from './bus.ts';
import { channels } from './keys.ts';
import type { BusMessage, OutgoingBusMessage } from './messages.ts';
import type { RemotePeers } from './remotePeers.ts';
import { ServerLink, type ExportChange, type LinkOptions } from './serverLink.ts';

const log = createLogger('cluster');

/** This server's end of the link to one other server for this room. */
export type LinkEnd = {
  serverId: string;
  /** Names this link in every message about it: messages about an older link are dropped. */
  id: string;
  link: Promise<ServerLink>;
  ready: boolean;
  /** Our producers sent through it (an export is announced once). */
  exported: Set<string>;
};

/** The bus messages about the media links themselves and the producers sent through them. */
export type LinkMessage = Extract<BusMessage, { kind: 'linkOffer' | 'linkAnswer' | 'producerExported' | 'producerPaused' | 'producerUnexported' }>;

export type RoomLinksDeps = {
  readonly room: Room;
  readonly remote: RemotePeers;
  readonly bus: ClusterBus;
  readonly options: LinkOptions;
  /** Runs a publishing task after everything the room published before (the room's one outbound order). */
  outbound(task: () => Promise<unknown>): void;
  /** A link is up both ways (the room's file links go through it too). */
  ready(end: LinkEnd): void;
  /** One of our data exports closed with its DataProducer. */
  dataClosed(end: LinkEnd, dataProducerId: string): void;
};

/**
 * The media links of one shared room: one per other server hosting it, offered by the smaller server id (so there is
 * one per pair, whoever heard of the other first), on the room's home router. Once a link is up, every producer our
 * people have goes through it (`producerExported`), and its pauses and ends follow; what the other end sends is
 * imported under the same id and given to the room through RemotePeers.
 */
export class RoomLinks {
  readonly #deps: RoomLinksDeps;
  readonly #links = new Map<string, LinkEnd>();

  constructor(deps: RoomLinksDeps) {
    this.#deps = deps;
  }

  get(serverId: string): LinkEnd | undefined {
    return this.#links.get(serverId);
  }

  /** Our end of the link with this id to that server; undefined for an older (or unknown) link. */
  end(serverId: string, linkId: string): LinkEnd | undefined {
    const end = this.#links.get(serverId);
    return end?.id === linkId ? end : undefined;
  }

  servers(): string[] {
    return [...this.#links.keys()];
  }

  /** The smaller id offers: one link per pair of servers. */
  offersTo(serverId: string): boolean {
    return this.#deps.bus.serverId < serverId;
  }

  /** Offers a link to that server, if this server is the one that offers and has none. */
  ensure(serverId: string): void {
    if (this.#links.has(serverId) || !this.offersTo(serverId)) return;
    const end = this.#open(serverId, randomBytes(12).toString('base64url'));
    end.link.then(
      (link) => this.#publishTo(serverId, { kind: 'linkOffer', room: this.#deps.room.id, link: end.id, endpoint: link.endpoint }),
      () => {},
    );
  }

  /** Closing our end closes what came through it: our people's consumers of it are told. */
  drop(serverId: string): void {
    const end = this.#links.get(serverId);
    if (!end) return;
    this.#links.delete(serverId);
    void end.link.then((link) => link.close(), () => {});
  }

  dropAll(): void {
    for (const serverId of this.servers()) this.drop(serverId);
  }

  /** A new producer of one of our people: through every link that is up. */
  exportToAll(producer: types.Producer<ProducerAppData>): void {
    for (const end of this.#links.values()) if (end.ready) this.export(end, producer);
  }

  /** Sends one of our producers through the link; `again`: announced even if it was (a resync). */
  export(end: LinkEnd, producer: types.Producer<ProducerAppData>, again = false): void {
    const { room, bus } = this.#deps;
    this.#deps.outbound(async () => {
      if ((end.exported.has(producer.id) && !again) || producer.closed || this.#links.get(end.serverId) !== end) return;
      const { peerId, source } = producer.appData;
      // The link is on the home router: a producer on another worker's router is piped there first.
      await room.routers.pipe('media', producer.id, room.routers.of(peerId).router, room.routers.home.router);
      const exported = await (await end.link).exportProducer(producer.id, { peerId, source });
      end.exported.add(producer.id);
      const { producerId, kind, rtpParameters, paused } = exported;
      const message = { kind: 'producerExported', room: room.id, link: end.id, producer: { producerId, kind, rtpParameters, paused, peerId, source } } as const;
      await bus.publish(channels.server(end.serverId), message);
    });
  }

  /** A message from `message.from` about our link with it or what goes through it. */
  async receive(message: LinkMessage): Promise<void> {
    const from = message.from;
    switch (message.kind) {
      case 'linkOffer': {
        this.drop(from);
        const end = this.#open(from, message.link);
        const link = await end.link;
        await link.connect(message.endpoint);
        this.#publishTo(from, { kind: 'linkAnswer', room: this.#deps.room.id, link: end.id, endpoint: link.endpoint });
        return this.#ready(end);
      }
      case 'linkAnswer': {
        const end = this.end(from, message.link);
        if (!end || end.ready) return;
        await (await end.link).connect(message.endpoint);
        return this.#ready(end);
      }
      case 'producerExported': {
        const end = this.end(from, message.link);
        if (!end) return;
        const { producerId, kind, rtpParameters, paused, peerId, source } = message.producer;
        const known = this.#deps.remote.producer(producerId);
        if (known) return this.#mirrorPause(end, known, paused); // announced again (a resync): its pause may be news
        const producer = (await (await end.link).importProducer({
          producerId,
          kind,
          rtpParameters: rtpParameters as types.RtpParameters,
          paused,
          appData: { peerId, source },
        })) as types.Producer<ProducerAppData>;
        return this.#deps.remote.imported(from, producer);
      }
      case 'producerPaused': {
        const end = this.end(from, message.link);
        const producer = this.#deps.remote.producer(message.producerId);
        if (end && producer) await this.#mirrorPause(end, producer, message.paused);
        return;
      }
      case 'producerUnexported': {
        const end = this.end(from, message.link);
        if (end) await (await end.link).apply({ kind: 'closed', producerId: message.producerId });
        return;
      }
    }
  }

  async #mirrorPause(end: LinkEnd, producer: types.Producer<ProducerAppData>, paused: boolean): Promise<void> {
    if (producer.paused === paused) return;
    await (await end.link).apply({ kind: 'paused', producerId: producer.id, paused });
    this.#deps.remote.pausedChanged(producer);
  }

  #open(serverId: string, id: string): LinkEnd {
    const { room, options } = this.#deps;
    const end: LinkEnd = { serverId, id, link: ServerLink.open(room.routers.home.router, options), ready: false, exported: new Set() };
    this.#links.set(serverId, end);
    end.link.then(
      (link) => {
        link.on('change', (change) => this.#changed(end, change));
        link.once('close', () => {
          if (this.#links.get(serverId) === end) this.#links.delete(serverId);
        });
        if (this.#links.get(serverId) !== end || room.closed) link.close();
      },
      (error: unknown) => {
        if (this.#links.get(serverId) === end) this.#links.delete(serverId);
        if (!room.closed) log.warn('media link to another server not opened', { room: room.id, server: serverId, error });
      },
    );
    return end;
  }

  /** Connected both ways: everything our people produce goes through it. */
  #ready(end: LinkEnd): void {
    end.ready = true;
    log.info('media link to another server up', { room: this.#deps.room.id, server: end.serverId });
    for (const peer of this.#deps.room.peers.values()) for (const producer of peer.producers.values()) this.export(end, producer);
    this.#deps.ready(end);
  }

  /** One of our exports paused, resumed or closed: the other end mirrors it on its copy. */
  #changed(end: LinkEnd, change: ExportChange): void {
    if (change.kind === 'dataClosed') return this.#deps.dataClosed(end, change.dataProducerId);
    const base = { room: this.#deps.room.id, link: end.id, producerId: change.producerId };
    if (change.kind === 'closed') end.exported.delete(change.producerId);
    this.#publishTo(
      end.serverId,
      change.kind === 'closed' ? { kind: 'producerUnexported', ...base } : { kind: 'producerPaused', ...base, paused: change.paused },
    );
  }

  #publishTo(serverId: string, message: OutgoingBusMessage): void {
    this.#deps.outbound(() => this.#deps.bus.publish(channels.server(serverId), message));
  }
}
