import * as v from 'valibot';
import { chatAckSchema } from './chat.ts';
import * as files from './files.ts';
import { connectionQualitySchema, idSchema } from './primitives.ts';
import { peerInfoSchema, publicationSchema } from './session.ts';

/** Server → client messages that answer no request. */
export const notifications = {
  peerJoined: v.object({ peer: peerInfoSchema }),
  peerLeft: v.object({ peerId: idSchema }),
  /** A peer's signaling socket dropped (it may come back within the grace period) or came back. */
  peerConnectionChanged: v.object({ peerId: idSchema, connected: v.boolean() }),
  producerAdded: v.object({ peerId: idSchema, publication: publicationSchema }),
  producerClosed: v.object({ peerId: idSchema, producerId: idSchema }),
  producerPausedChanged: v.object({ peerId: idSchema, producerId: idSchema, paused: v.boolean() }),
  consumerClosed: v.object({ consumerId: idSchema }),
  /**
   * Who is speaking now (mediasoup's dominant speaker among unmuted microphones), or null for nobody: the speaker
   * muted, left or lost their mic and no one else has taken over yet. Sent to everyone on each change, and to a peer
   * right after its join reply (a fresh join or a resume), so it never has to guess.
   */
  activeSpeaker: v.object({ peerId: v.nullable(idSchema) }),
  /**
   * How well a person's connection carries the call, as the server sees it (its bandwidth estimate toward them and
   * the scores of their streams). Sent to everyone on each change, the person themself included, and to a peer when
   * its receive transport is created (everyone's current value).
   */
  connectionQuality: v.object({ peerId: idSchema, quality: connectionQualitySchema }),
  /** Your chat message is stored (see chat.ts). */
  chatAck: chatAckSchema,
  /** File transfer (see files.ts). */
  fileOffered: files.fileOfferedSchema,
  fileAnswered: files.fileAnsweredSchema,
  fileAcked: files.fileAckedSchema,
  fileResumeFrom: files.fileResumeFromSchema,
  fileCancelled: files.fileCancelledSchema,
  fileDone: files.fileDoneSchema,
  fileVerified: files.fileVerifiedSchema,
  fileLinkOpened: files.fileLinkOpenedSchema,
  fileLinkReady: files.fileLinkReadySchema,
} as const;

export type NotificationMethod = keyof typeof notifications;
export type NotificationData<M extends NotificationMethod> = v.InferOutput<(typeof notifications)[M]>;
