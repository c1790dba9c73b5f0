import * as v from 'valibot';
import {
  chatMessageSchema,
  connectionQualitySchema,
  displayNameSchema,
  idSchema,
  mediaKindSchema,
  mediaSourceSchema,
  errorBodySchema,
  roomIdSchema,
  sctpStreamParametersSchema,
  sha256HexSchema,
  transferIdSchema,
} from '../../shared/protocol/index.ts';
import { rtpParametersSchema } from '../../shared/protocol/webrtc.ts';
import { transferStateSchema } from '../files/transferState.ts';
import { fileCallSchema, fileNotificationSchema, requestIdSchema } from './fileSchemas.ts';

/*
 * What servers tell each other over the bus (Redis pub/sub), one schema per kind. Every inbound message is checked
 * against these before anything reads it: another server may run another version, or something else may publish
 * on the channel. `from` is the sending server's id (a server ignores its own messages).
 */

const serverIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(200));

/** A history key is a room name, or a room name and its meeting's instance id (see chat/roomEvents.ts). */
const historyKeySchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}(\/[A-Za-z0-9_-]{1,64})?$/));

/** A person of a room on the sending server, as the others list them. */
const remotePeerSchema = v.object({ id: idSchema, name: displayNameSchema, connected: v.boolean() });

/** One media link between two servers for one room (a PipeTransport at each end); new with every offer. */
const linkIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/));

/** Where one end of a link listens (ServerLink's `endpoint`). */
const linkEndpointSchema = v.object({
  ip: v.pipe(v.string(), v.minLength(1), v.maxLength(253)),
  port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
  srtpParameters: v.optional(
    v.object({
      cryptoSuite: v.picklist(['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']),
      keyBase64: v.pipe(v.string(), v.maxLength(128)),
    }),
  ),
});

/** A producer sent through a link: the other end makes its copy with the same id (mediasoup checks the rest). */
const exportedProducerSchema = v.object({
  producerId: idSchema,
  kind: mediaKindSchema,
  rtpParameters: rtpParametersSchema,
  paused: v.boolean(),
  peerId: idSchema,
  source: mediaSourceSchema,
});

/**
 * A file link of one of the sender's people sent through a link: its DataProducer (the other end imports it under
 * the same id on the pipe's SCTP stream) and its audience on the receiving server.
 */
const exportedFileLinkSchema = v.object({
  linkId: idSchema,
  ownerId: idSchema,
  audience: v.pipe(v.array(idSchema), v.minLength(1), v.maxLength(64)),
  dataProducerId: idSchema,
  protocol: v.pipe(v.string(), v.maxLength(255)),
  sctpStreamParameters: sctpStreamParametersSchema,
});

const link = { room: roomIdSchema, link: linkIdSchema };

export const busMessageSchema = v.variant('kind', [
  /** A server started (sent once its heartbeat is registered). */
  v.object({ kind: v.literal('serverUp'), from: serverIdSchema, address: v.pipe(v.string(), v.maxLength(253)) }),
  /** A server is gone: it said so on stopping, or its heartbeats ran out (then `from` is whoever noticed first). */
  v.object({ kind: v.literal('serverDown'), from: serverIdSchema, serverId: serverIdSchema }),
  /** A chat message stored by `from` (it numbered it): servers hosting the room put it on their own room feed. */
  v.object({ kind: v.literal('chatMessage'), from: serverIdSchema, room: roomIdSchema, historyKey: historyKeySchema, message: chatMessageSchema }),

  /* Presence, on the room's channel: the people each server has in the room. */
  /**
   * Everyone `from` has in the room now. `answer: false`: the room just opened there (anything the others had with
   * `from` in it is stale) and every other server answers with its own list.
   */
  v.object({ kind: v.literal('roomPresence'), from: serverIdSchema, room: roomIdSchema, answer: v.boolean(), peers: v.pipe(v.array(remotePeerSchema), v.maxLength(1000)) }),
  /**
   * Everyone `from` has in the room now, after it may have missed messages (a connection to Redis dropped and came
   * back before anyone took it for dead): the others reconcile it without forgetting anything (working media links
   * stay), answer with `roomPresence { answer: true }`, and resync their media with it (server/cluster/presenceRepair.ts).
   */
  v.object({ kind: v.literal('roomResync'), from: serverIdSchema, room: roomIdSchema, peers: v.pipe(v.array(remotePeerSchema), v.maxLength(1000)) }),
  v.object({ kind: v.literal('peerJoined'), from: serverIdSchema, room: roomIdSchema, peer: remotePeerSchema }),
  v.object({ kind: v.literal('peerLeft'), from: serverIdSchema, room: roomIdSchema, peerId: idSchema }),
  v.object({ kind: v.literal('peerConnection'), from: serverIdSchema, room: roomIdSchema, peerId: idSchema, connected: v.boolean() }),
  /** How `from` rates one of its people's connection now (sent when it changes, and after each presence list). */
  v.object({ kind: v.literal('peerQuality'), from: serverIdSchema, room: roomIdSchema, peerId: idSchema, quality: connectionQualitySchema }),
  /** The room closed on `from` (its last person left): its people and its link are gone. */
  v.object({ kind: v.literal('roomLeft'), from: serverIdSchema, room: roomIdSchema }),

  /* Media, on the receiving server's own channel: one link per room and pair of servers, offered by the smaller id. */
  v.object({ kind: v.literal('linkOffer'), from: serverIdSchema, ...link, endpoint: linkEndpointSchema }),
  v.object({ kind: v.literal('linkAnswer'), from: serverIdSchema, ...link, endpoint: linkEndpointSchema }),
  /** `from` sends one of its people's producers through the link: import it. */
  v.object({ kind: v.literal('producerExported'), from: serverIdSchema, ...link, producer: exportedProducerSchema }),
  v.object({ kind: v.literal('producerPaused'), from: serverIdSchema, ...link, producerId: idSchema, paused: v.boolean() }),
  v.object({ kind: v.literal('producerUnexported'), from: serverIdSchema, ...link, producerId: idSchema }),
  /* File links (server/cluster/sharedFileLinks.ts), on the receiving server's own channel too. */
  /** `from` sends one of its people's file links through the link to its audience on the receiver: import it. */
  v.object({ kind: v.literal('fileLinkExported'), from: serverIdSchema, ...link, fileLink: exportedFileLinkSchema }),
  /** Its DataProducer closed there (closed by its owner, who left, or whose server link went): close the copy. */
  v.object({ kind: v.literal('fileLinkUnexported'), from: serverIdSchema, ...link, dataProducerId: idSchema }),
  /** `peerId`, on `from`, consumes the receiver's person's link `linkId`: its owner may start sending. */
  v.object({ kind: v.literal('fileLinkReady'), from: serverIdSchema, ...link, linkId: idSchema, peerId: idSchema }),

  /* File transfers, on one server's own channel (server/cluster/clusterFiles.ts). */
  /** To the server holding a transfer: one of `from`'s people asks this about it. Answered with `fileReply`. */
  v.object({
    kind: v.literal('fileRequest'),
    from: serverIdSchema,
    room: roomIdSchema,
    request: requestIdSchema,
    asker: v.object({ id: idSchema, name: displayNameSchema }),
    call: fileCallSchema,
  }),
  /** To the server holding a transfer: its sender (this key) offered it again on `from`; hand it over. */
  v.object({ kind: v.literal('fileRelease'), from: serverIdSchema, room: roomIdSchema, request: requestIdSchema, transferId: transferIdSchema, senderKey: sha256HexSchema }),
  /** The answer to a `fileRequest` (an error, or none) or a `fileRelease` (the transfer's state, if it was held). */
  v.object({ kind: v.literal('fileReply'), from: serverIdSchema, request: requestIdSchema, error: v.optional(errorBodySchema), transfer: v.optional(transferStateSchema) }),
  /** To the server of a transfer's party: tell this person of yours. */
  v.object({ kind: v.literal('fileNotify'), from: serverIdSchema, room: roomIdSchema, peerId: idSchema, notification: fileNotificationSchema }),
  /** To the servers hosting the room: this person of `from`'s is back on a new socket; tell them what they missed. */
  v.object({ kind: v.literal('filePartyBack'), from: serverIdSchema, room: roomIdSchema, peerId: idSchema }),
  /** Every producer `from` sends through the link now (after re-announcing each, in a resync): copies of others go. */
  v.object({ kind: v.literal('linkExports'), from: serverIdSchema, ...link, producerIds: v.pipe(v.array(idSchema), v.maxLength(1000)) }),
]);

export type BusMessage = v.InferOutput<typeof busMessageSchema>;
export type BusKind = BusMessage['kind'];
/** A message as it is published: the bus adds `from`. */
export type OutgoingBusMessage = BusMessage extends infer M ? (M extends BusMessage ? Omit<M, 'from'> : never) : never;
