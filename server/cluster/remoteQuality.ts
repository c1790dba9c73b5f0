import type { Notification } from '../../shared/protocol/index.ts';
import { qualityOf } from '../quality/roomQuality.ts';
import type { Room } from '../sfu/room.ts';
import type { OutgoingBusMessage } from './messages.ts';

/*
 * Connection quality across servers. Each server rates only its own people (server/quality: it measures their
 * links), so it tells the other servers hosting the room every change of a local person's rating (`peerQuality`),
 * and all current ratings after each presence list it sends: a server that just heard of us would otherwise wait
 * for the next change, which a steady link never makes. The receiving side is RemotePeers.qualityChanged, which
 * takes a rating only from the person's own server and tells the room's people `connectionQuality`, as for a local
 * person.
 */

/** What the room told its people about a local person's rating, for the other servers; undefined for anything else. */
export function qualityAnnouncement(room: Room, notification: Notification): OutgoingBusMessage | undefined {
  if (notification.method !== 'connectionQuality' || !room.peers.has(notification.data.peerId)) return undefined;
  return { kind: 'peerQuality', room: room.id, peerId: notification.data.peerId, quality: notification.data.quality };
}

/** Every rating shown now of the room's local people, one message each. */
export function currentQualities(room: Room): OutgoingBusMessage[] {
  return [...qualityOf(room).shown()].map(([peerId, quality]) => ({ kind: 'peerQuality', room: room.id, peerId, quality }));
}
