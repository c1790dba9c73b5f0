import * as v from 'valibot';
import { idSchema, mediaKindSchema, mediaSourceSchema } from './primitives.ts';
import {
  dtlsParametersSchema,
  iceCandidateSchema,
  iceServerSchema,
  iceParametersSchema,
  rtpParametersSchema,
  sctpParametersSchema,
} from './webrtc.ts';

const transportDirectionSchema = v.picklist(['send', 'recv']);
export type TransportDirection = v.InferOutput<typeof transportDirectionSchema>;

const empty = v.object({});

export const createTransport = {
  request: v.object({ direction: transportDirectionSchema }),
  response: v.object({
    transportId: idSchema,
    iceParameters: iceParametersSchema,
    iceCandidates: v.array(iceCandidateSchema),
    dtlsParameters: dtlsParametersSchema,
    sctpParameters: v.optional(sctpParametersSchema),
  }),
};

export const connectTransport = {
  request: v.object({ transportId: idSchema, dtlsParameters: dtlsParametersSchema }),
  response: empty,
};

/** Closes one of the peer's transports (and so its producers or consumers): a media session that failed half-way. */
export const closeTransport = { request: v.object({ transportId: idSchema }), response: empty };

export const restartIce = {
  request: v.object({ transportId: idSchema }),
  /** Fresh ICE servers too: TURN credentials expire, and a restart may need a new relay. */
  response: v.object({ iceParameters: iceParametersSchema, iceServers: v.array(iceServerSchema) }),
};

export const produce = {
  request: v.object({
    transportId: idSchema,
    kind: mediaKindSchema,
    source: mediaSourceSchema,
    rtpParameters: rtpParametersSchema,
    paused: v.optional(v.boolean()),
  }),
  response: v.object({ producerId: idSchema }),
};

const producerRef = v.object({ producerId: idSchema });
export const closeProducer = { request: producerRef, response: empty };
export const pauseProducer = { request: producerRef, response: empty };
export const resumeProducer = { request: producerRef, response: empty };

export const consume = {
  request: producerRef,
  response: v.object({
    consumerId: idSchema,
    producerId: idSchema,
    peerId: idSchema,
    source: mediaSourceSchema,
    kind: mediaKindSchema,
    rtpParameters: rtpParametersSchema,
    producerPaused: v.boolean(),
  }),
};

const consumerRef = v.object({ consumerId: idSchema });
/** Consumers start paused; the client resumes once its local consumer exists, so the first key frame is not lost. */
export const resumeConsumer = { request: consumerRef, response: empty };
export const closeConsumer = { request: consumerRef, response: empty };

/** Simulcast spatial layers a camera sends (320, 640 and 1 280 px wide for a 1 280 px camera); 0 is the smallest. */
export const MAX_SPATIAL_LAYER = 2;

/**
 * How a video consumer's tile is shown: the largest spatial layer its size needs, and whether it is in view at all.
 * A consumer out of view is paused on the server (no bytes flow) and resumed, with a key frame asked for, when it
 * comes back. The server may send a lower layer than asked when the link toward this peer is weak.
 */
export const setConsumerView = {
  request: v.object({
    consumerId: idSchema,
    spatialLayer: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_SPATIAL_LAYER)),
    visible: v.boolean(),
  }),
  response: empty,
};
