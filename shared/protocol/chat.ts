import * as v from 'valibot';
import { displayNameSchema, idSchema } from './primitives.ts';

/*
 * Chat. Messages travel over WebRTC data channels through the SFU: each peer sends on a `chat` DataProducer of its
 * own; the server (a DirectTransport DataConsumer of it) validates, numbers, stores and acknowledges each message,
 * and fans it out on the room's one `chat` DataProducer that every peer consumes. mediasoup can drop messages on a
 * reliable channel when a receiver's SCTP send buffer fills (../shared/notes/datachannels.md), so delivery rests on
 * the app: the sender keeps a message until its `chatAck`, and a receiver that sees a gap in `seq` fetches the
 * missing ones with `chatHistory`.
 */

/** Longest message text, in characters; enforced by the app before sending and by the server on receipt. */
export const CHAT_TEXT_MAX_LENGTH = 2000;

/** Made by the sender when the message is written (a UUID); the server deduplicates resends by it. */
export const chatMessageIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{8,64}$/, 'A message id is 8–64 letters, digits or dashes'));

export const chatTextSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'A message is empty'),
  v.maxLength(CHAT_TEXT_MAX_LENGTH, `A message has at most ${CHAT_TEXT_MAX_LENGTH} characters`),
);

/** A stored message as everyone sees it. `seq` numbers a room's messages 1, 2, 3… in the order the server got them. */
export const chatMessageSchema = v.object({
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  id: chatMessageIdSchema,
  peerId: idSchema,
  name: displayNameSchema,
  text: chatTextSchema,
  /** When the server stored it (ms since the epoch). */
  at: v.number(),
});
export type ChatMessage = v.InferOutput<typeof chatMessageSchema>;

/** Client → server, a JSON text frame on the peer's `chat` data channel. */
export const chatUpFrameSchema = v.object({ type: v.literal('send'), id: chatMessageIdSchema, text: chatTextSchema });
export type ChatUpFrame = v.InferOutput<typeof chatUpFrameSchema>;

/** Server → every peer, a JSON text frame on the room's `chat` data channel. */
export const chatDownFrameSchema = v.object({ type: v.literal('message'), message: chatMessageSchema });
export type ChatDownFrame = v.InferOutput<typeof chatDownFrameSchema>;

/** The labels a peer may give its DataProducers: its chat (annotation ops ride it too), and file links (files.ts). */
export const DATA_LABELS = ['chat', 'file'] as const;
export const dataLabelSchema = v.picklist(DATA_LABELS);
export type DataLabel = v.InferOutput<typeof dataLabelSchema>;

export const sctpStreamParametersSchema = v.object({
  streamId: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65534)),
  ordered: v.optional(v.boolean()),
  maxPacketLifeTime: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  maxRetransmits: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});

/** A peer's DataProducer on its send transport (SCTP); a `file` one names the link it carries (`openFileLink`). Reply: its id. */
export const produceData = {
  request: v.object({
    transportId: idSchema,
    label: dataLabelSchema,
    sctpStreamParameters: sctpStreamParametersSchema,
    linkId: v.optional(idSchema),
  }),
  response: v.object({ dataProducerId: idSchema }),
};

/** Consumes a DataProducer (the room's chat feed named in the join reply, or a file link made for us) on the recv transport. */
export const consumeData = {
  request: v.object({ dataProducerId: idSchema }),
  response: v.object({
    dataConsumerId: idSchema,
    dataProducerId: idSchema,
    label: v.string(),
    sctpStreamParameters: v.looseObject({ streamId: v.number() }),
  }),
};

/** Messages after `afterSeq`, oldest first, at most `limit`: a late joiner's history and a receiver's gap repair. */
export const chatHistory = {
  request: v.object({
    afterSeq: v.pipe(v.number(), v.integer(), v.minValue(0)),
    limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500)),
  }),
  response: v.object({ messages: v.array(chatMessageSchema), lastSeq: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
};

/** Server → sender over signaling: the message is stored under `seq` (sent again for a resend it already had). */
export const chatAckSchema = v.object({ id: chatMessageIdSchema, seq: v.pipe(v.number(), v.integer(), v.minValue(1)) });
