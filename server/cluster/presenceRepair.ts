import type { types } from 'mediasoup';
import type { ProducerAppData } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';
import type { RoomDirectory } from './directory.ts';
import type { BusMessage, OutgoingBusMessage } from './messages.ts';
import type { RemotePeers } from './remotePeers.ts';
import type { LinkEnd } from './roomLinks.ts';
import type { SharedRoom } from './sharedRoom.ts';

/*
 * Repair after lost bus messages. Pub/sub delivers only to who listens at that moment: a server whose connection to
 * Redis drops and comes back within the registry's reap time (nobody took it for dead, so nobody starts afresh with
 * it) has missed everything the others said meanwhile (people joining and leaving, producers exported, paused and
 * unexported), and the others what it failed to publish. Once its bus is whole again it says `roomResync` in each
 * shared room: its full list of people, which the others reconcile WITHOUT forgetting it (unlike a room opening,
 * `roomPresence { answer: false }`, which drops the link), answering with their own list. Then both ends bring each
 * media link in step: a link up at our end is kept as it is, and everything we send through it is announced again
 * (`producerExported`: the other end imports what it lacks and mirrors the pause of what it has) and listed
 * (`linkExports`: it closes copies of anything else); a link still waiting for its answer at the end that offered
 * it is offered afresh (the offer or the answer may be what was lost; no media went through it yet); a missing one
 * is offered. Everything goes out in the room's one outbound order, so a list comes after the people it names and
 * the exports it lists.
 */

/** What a shared room lends its repair: its links, and how it offers, exports and publishes. */
export type RepairPort = {
  readonly room: Room;
  readonly remote: RemotePeers;
  /** Our end of the link to that server for this room, if any. */
  link(serverId: string): LinkEnd | undefined;
  /** Says who is here as an answer (`roomPresence { answer: true }`). */
  answer(): void;
  /** Whether this server is the one that offers links to that one (one link per pair). */
  offersTo(serverId: string): boolean;
  /** Offers a link to that server, if this server offers and has none. */
  ensureLink(serverId: string): void;
  /** Closes our end to that server, and what came through it. */
  dropLink(serverId: string): void;
  /** Sends one of our producers through the link, announced even if it was before. */
  exportAgain(end: LinkEnd, producer: types.Producer<ProducerAppData>): void;
  /** Publishes to that server after everything the room published before; `message` is made when its turn comes. */
  publishTo(serverId: string, message: () => OutgoingBusMessage): void;
};

/**
 * The other half of a resync: servers that no longer host the room cannot answer it. One whose room closed (its
 * `roomLeft` was lost), or that died and was reaped (its `serverDown` was lost), is missing from the room directory
 * (kept in Redis, written before a server says anything about the room): its people leave here and its link closes.
 * Only a directory that lists this server (`selfId`) live in the room is believed: a Redis that came back empty, or
 * after every heartbeat ran out, lists nobody until the servers have written themselves in again.
 */
export async function forgetVanished(shared: SharedRoom, directory: RoomDirectory, selfId: string): Promise<void> {
  const hosts = new Set((await directory.hostsOf(shared.room.id)).map((host) => host.serverId));
  if (!hosts.has(selfId)) return;
  for (const serverId of shared.otherServers()) if (!hosts.has(serverId)) shared.serverGone(serverId);
}

export class PresenceRepair {
  readonly #port: RepairPort;

  constructor(port: RepairPort) {
    this.#port = port;
  }

  /** A message of the repair from another server (its turn among everything that server sent about the room). */
  receive(message: Extract<BusMessage, { kind: 'roomResync' | 'linkExports' }>): void {
    if (message.kind === 'linkExports') {
      if (this.#port.link(message.from)?.id === message.link) this.#exportsListed(message.from, message.producerIds);
      return;
    }
    // It missed messages; its room did not reopen: nothing is forgotten, and a link that works stays.
    this.#port.remote.reconcile(message.from, message.peers);
    this.#port.answer();
    this.link(message.from);
  }

  /** Brings the media link with `serverId` for this room in step, keeping it if it is up. */
  link(serverId: string): void {
    const end = this.#port.link(serverId);
    if (!end) return this.#port.ensureLink(serverId);
    if (end.ready) return this.#resend(end);
    if (!this.#port.offersTo(serverId)) return; // the answering end: its offerer repairs
    this.#port.dropLink(serverId);
    this.#port.ensureLink(serverId);
  }

  /** The other end listed everything it sends through the link now: our copies of anything else go (an unexport was lost). */
  #exportsListed(serverId: string, producerIds: readonly string[]): void {
    const listed = new Set(producerIds);
    for (const producer of this.#port.remote.producersFrom(serverId)) if (!listed.has(producer.id)) producer.close();
  }

  #resend(end: LinkEnd): void {
    const { room } = this.#port;
    for (const peer of room.peers.values()) for (const producer of peer.producers.values()) this.#port.exportAgain(end, producer);
    this.#port.publishTo(end.serverId, () => ({ kind: 'linkExports', room: room.id, link: end.id, producerIds: [...end.exported] }));
  }
}
