import type { types } from 'mediasoup';
import type { ProducedFileLink, RemoteFileParties } from '../files/links.ts';
import { createLogger } from '../log.ts';
import type { DataProducerAppData } from '../sfu/dataChannels.ts';
import type { Room } from '../sfu/room.ts';
import type { BusMessage, OutgoingBusMessage } from './messages.ts';
import type { RemotePeers } from './remotePeers.ts';
import type { ServerLink } from './serverLink.ts';

const log = createLogger('cluster');

/** How long an export waits for the link's SCTP association; past it, it goes anyway (the app repairs lost frames). */
const SCTP_WAIT_MS = 10_000;

/** The part of SharedRoom's end of a link to one other server that file links use. */
export type FileLinkEnd = {
  readonly serverId: string;
  readonly id: string;
  readonly link: Promise<ServerLink>;
};

/** What SharedRoom lends: its links, and its ordered way of telling another server. */
export type FileLinkHooks = {
  /** The current end of the link to `serverId` (with `linkId`: only if it is that one). */
  end(serverId: string, linkId?: string): FileLinkEnd | undefined;
  /** Publishes on `serverId`'s channel after everything this server said about the room before. */
  publishTo(serverId: string, message: OutgoingBusMessage): void;
};

type FileLinkMessage = Extract<BusMessage, { kind: 'fileLinkExported' | 'fileLinkUnexported' | 'fileLinkReady' }>;

/** A link of a person on another server imported here: where to say that someone here consumes it. */
type ImportedLink = { serverId: string; endId: string; producer: types.DataProducer };

/**
 * File links between people of one room on different servers (docs/scaling.md, *File links between servers*). The
 * owner's server sends a link's DataProducer through the media link to each server with some of its audience
 * (`fileLinkExported`, piped to the home router first), once that link is up and its SCTP association too; the
 * other server imports it and registers it in its FileLinks as a link owned by a remote person, so its audience
 * there is told `fileLinkOpened` and consumes it as any link. Each consumer there is said back (`fileLinkReady`),
 * and the owner told. A link that closes on the owner's server closes its copies (`fileLinkUnexported`, from the
 * ServerLink's own `dataClosed`); a server link that goes takes its imports with it.
 */
export class SharedFileLinks implements RemoteFileParties {
  readonly #room: Room;
  readonly #remote: RemotePeers;
  readonly #hooks: FileLinkHooks;
  /** Our people's links with some of their audience on other servers, until their DataProducer closes. */
  readonly #produced = new Map<string, ProducedFileLink>();
  /** By link end, once it is up: the DataProducers announced through it (a close is said only of what was). */
  readonly #announced = new WeakMap<FileLinkEnd, Set<string>>();
  /** Links of people on other servers imported here, by link id. */
  readonly #imported = new Map<string, ImportedLink>();

  constructor(room: Room, remote: RemotePeers, hooks: FileLinkHooks) {
    this.#room = room;
    this.#remote = remote;
    this.#hooks = hooks;
    room.fileLinks.remote = this;
  }

  has(peerId: string): boolean {
    return this.#remote.has(peerId);
  }

  produced(link: ProducedFileLink): void {
    if (link.producer.closed) return;
    this.#produced.set(link.id, link);
    link.producer.observer.once('close', () => {
      if (this.#produced.get(link.id) === link) this.#produced.delete(link.id);
    });
    for (const serverId of this.#serversOf(link)) {
      const end = this.#hooks.end(serverId);
      if (end && this.#announced.has(end)) void this.#export(end, link);
    }
  }

  consumed(linkId: string, ownerId: string, peerId: string): void {
    const imported = this.#imported.get(linkId);
    if (!imported || imported.producer.closed || this.#remote.serverOf(ownerId) !== imported.serverId) return;
    this.#hooks.publishTo(imported.serverId, { kind: 'fileLinkReady', room: this.#room.id, link: imported.endId, linkId, peerId });
  }

  /** The link to `end.serverId` is up both ways: the links toward people there go through it. */
  linkReady(end: FileLinkEnd): void {
    this.#announced.set(end, new Set());
    for (const link of this.#produced.values()) if (this.#serversOf(link).has(end.serverId)) void this.#export(end, link);
  }

  /** One of our exports closed (its DataProducer did): the other end closes its copy. */
  dataClosed(end: FileLinkEnd, dataProducerId: string): void {
    if (!this.#announced.get(end)?.delete(dataProducerId)) return;
    this.#hooks.publishTo(end.serverId, { kind: 'fileLinkUnexported', room: this.#room.id, link: end.id, dataProducerId });
  }

  /** A message from `message.from` about file links in this room, in the order it sent them. */
  async receive(message: FileLinkMessage): Promise<void> {
    const end = this.#hooks.end(message.from, message.link);
    if (!end) return;
    switch (message.kind) {
      case 'fileLinkExported':
        return this.#import(end, message.fileLink);
      case 'fileLinkUnexported':
        return (await end.link).apply({ kind: 'dataClosed', dataProducerId: message.dataProducerId });
      case 'fileLinkReady':
        // Only about someone on the server saying it.
        if (this.#remote.serverOf(message.peerId) === message.from) this.#room.fileLinks.remoteReady(message.linkId, message.peerId);
        return;
    }
  }

  /** The servers some of the link's audience sit on. */
  #serversOf(link: ProducedFileLink): Set<string> {
    const servers = new Set<string>();
    for (const peerId of link.audience) {
      const serverId = this.#remote.serverOf(peerId);
      if (serverId) servers.add(serverId);
    }
    return servers;
  }

  async #export(end: FileLinkEnd, link: ProducedFileLink): Promise<void> {
    const { producer } = link;
    const stale = () => producer.closed || this.#hooks.end(end.serverId) !== end || this.#announced.get(end)?.has(producer.id) !== false;
    try {
      if (stale()) return;
      // The link is on the home router: a DataProducer on another worker's router is piped there first.
      const { routers } = this.#room;
      await routers.pipe('data', producer.id, routers.of(link.ownerId).router, routers.home.router);
      const serverLink = await end.link;
      const exported = await serverLink.exportDataProducer(producer.id);
      // Frames sent before the association is up are lost, and the owner sends once the far audience consumes. It
      // starts with the link's first data export (mediasoup connects SCTP only once a data consumer needs it).
      if (!(await serverLink.sctpConnected(SCTP_WAIT_MS)) && !serverLink.closed) {
        log.warn('file link sent to another server before its SCTP association came up', { room: this.#room.id, server: end.serverId });
      }
      if (stale()) return;
      const audience = [...link.audience].filter((peerId) => this.#remote.serverOf(peerId) === end.serverId);
      if (audience.length === 0) return;
      this.#announced.get(end)?.add(producer.id);
      const { dataProducerId, protocol, sctpStreamParameters } = exported;
      const fileLink = { linkId: link.id, ownerId: link.ownerId, audience, dataProducerId, protocol, sctpStreamParameters };
      this.#hooks.publishTo(end.serverId, { kind: 'fileLinkExported', room: this.#room.id, link: end.id, fileLink });
    } catch (error) {
      if (!producer.closed && !this.#room.closed) log.warn('file link not sent to another server', { room: this.#room.id, server: end.serverId, error });
    }
  }

  async #import(end: FileLinkEnd, fileLink: Extract<FileLinkMessage, { kind: 'fileLinkExported' }>['fileLink']): Promise<void> {
    const { linkId, ownerId, audience, dataProducerId, protocol, sctpStreamParameters } = fileLink;
    // A link of someone its server does not have here is a mistake (or a forgery): nothing to offer anyone.
    if (this.#remote.serverOf(ownerId) !== end.serverId) return;
    const serverLink = await end.link;
    const producer = (await serverLink.importDataProducer({
      dataProducerId,
      label: 'file',
      protocol,
      sctpStreamParameters: sctpStreamParameters as types.SctpStreamParameters,
      appData: { peerId: ownerId, label: 'file' },
    })) as types.DataProducer<DataProducerAppData>;
    const imported: ImportedLink = { serverId: end.serverId, endId: end.id, producer };
    this.#imported.set(linkId, imported);
    producer.observer.once('close', () => {
      if (this.#imported.get(linkId) === imported) this.#imported.delete(linkId);
    });
    this.#room.fileLinks.importLink(linkId, ownerId, audience, producer);
  }
}
