import type { Notification } from '../../shared/protocol/index.ts';
import { forgetConnectionQuality, setConnectionQuality } from '../models/connectionQuality.ts';
import { activeSpeakerId, removeParticipant, upsertParticipant } from '../models/participants.ts';
import { SELF_ID } from './localMedia.ts';
import type { RemoteMedia } from './remoteMedia.ts';

/**
 * What the room says about its people and their media, applied to the participant models and the remote media.
 * `selfPeerId` is our own peer id on the server (the server names us like anyone else; the models call us SELF_ID).
 */
export function applyRoomNotification(notification: Notification, remote: RemoteMedia, selfPeerId: string | undefined): void {
  const local = (peerId: string) => (peerId === selfPeerId ? SELF_ID : peerId);
  switch (notification.method) {
    case 'peerJoined':
      upsertParticipant(notification.data.peer.id, { name: notification.data.peer.name, connected: true });
      for (const publication of notification.data.peer.publications) void remote.consume(publication.id);
      break;
    case 'peerLeft':
      removePeer(remote, notification.data.peerId);
      break;
    case 'peerConnectionChanged':
      upsertParticipant(notification.data.peerId, { connected: notification.data.connected });
      break;
    case 'producerAdded':
      void remote.consume(notification.data.publication.id);
      break;
    case 'producerClosed':
      remote.closeProducer(notification.data.producerId);
      break;
    case 'producerPausedChanged':
      remote.setProducerPaused(notification.data.peerId, notification.data.producerId, notification.data.paused);
      break;
    case 'consumerClosed':
      remote.closeConsumer(notification.data.consumerId);
      break;
    case 'connectionQuality':
      setConnectionQuality(local(notification.data.peerId), notification.data.quality);
      break;
    case 'activeSpeaker': {
      const { peerId } = notification.data;
      activeSpeakerId.value = peerId === null ? null : local(peerId);
      break;
    }
  }
}

/** Someone left the room (or is no longer in its list): their tiles, media and quality go. */
export function removePeer(remote: RemoteMedia, peerId: string): void {
  remote.removePeer(peerId);
  removeParticipant(peerId);
  forgetConnectionQuality(peerId);
}
