import * as v from 'valibot';
import {
  displayNameSchema,
  idSchema,
  mediaKindSchema,
  mediaSourceSchema,
  roomIdSchema,
  roomPasswordSchema,
} from './primitives.ts';
import { iceServerSchema, rtpCapabilitiesSchema, sctpCapabilitiesSchema } from './webrtc.ts';

/** A producer as other peers see it: enough to decide whether and where to consume it. */
export const publicationSchema = v.object({
  id: idSchema,
  source: mediaSourceSchema,
  kind: mediaKindSchema,
  paused: v.boolean(),
});
export type Publication = v.InferOutput<typeof publicationSchema>;

export const peerInfoSchema = v.object({
  id: idSchema,
  name: displayNameSchema,
  connected: v.boolean(),
  publications: v.pipe(v.array(publicationSchema), v.maxLength(16)),
});
export type PeerInfo = v.InferOutput<typeof peerInfoSchema>;

const resumeTokenSchema = v.pipe(v.string(), v.maxLength(128));

/**
 * Not a signaling message: the body of `POST /api/goodbye`, which a page sends (`navigator.sendBeacon`) as it
 * closes or reloads, so its peer waits only a few seconds for a resume instead of the whole grace period.
 */
export const goodbyeSchema = v.object({ room: roomIdSchema, peerId: idSchema, token: resumeTokenSchema });
export type Goodbye = v.InferOutput<typeof goodbyeSchema>;

export const hello = {
  request: v.object({ protocolVersion: v.pipe(v.number(), v.integer()) }),
  response: v.object({ protocolVersion: v.number() }),
};

export const join = {
  request: v.object({
    room: roomIdSchema,
    name: displayNameSchema,
    /**
     * Present when the client reconnects (or reloads): the same peer resumes if the server still holds it.
     * `freshMedia`: the client has no media session left (a reloaded page): the server drops the peer's old
     * transports, producers and consumers, and the client builds new ones.
     */
    resume: v.optional(
      v.object({ peerId: idSchema, token: resumeTokenSchema, freshMedia: v.optional(v.boolean()) }),
    ),
    /** The room's password (8–128 characters); when the room is new, it becomes the room's password. */
    password: v.optional(roomPasswordSchema),
    /** A signed invite (from an invite link): enters a room with a password without knowing it. */
    invite: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  }),
  response: v.object({
    peerId: idSchema,
    resumeToken: v.string(),
    /** True when the server still held this peer: its transports, producers and consumers are intact. */
    resumed: v.boolean(),
    routerRtpCapabilities: rtpCapabilitiesSchema,
    /** STUN/TURN servers for this peer; TURN entries carry time-limited credentials of its own. */
    iceServers: v.array(iceServerSchema),
    /** `relay` forces media through TURN (a server setting for testing TURN). */
    iceTransportPolicy: v.picklist(['all', 'relay']),
    /** Everyone else in the room, with what they publish. */
    peers: v.array(peerInfoSchema),
    /** The room has a password: share invite links (`createInvite`) rather than the bare room link. */
    locked: v.boolean(),
    /** The room's chat feed to `consumeData`, and the newest message's `seq` (0: none yet). */
    chat: v.object({ dataProducerId: idSchema, lastSeq: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  }),
};

/** A signed invite link to this room, for people who do not know its password. */
export const createInvite = {
  request: v.object({}),
  response: v.object({ invite: v.string(), expiresAt: v.number() }),
};

export const setCapabilities = {
  request: v.object({
    rtpCapabilities: rtpCapabilitiesSchema,
    sctpCapabilities: v.optional(sctpCapabilitiesSchema),
  }),
  response: v.object({}),
};

export const leave = { request: v.object({}), response: v.object({}) };

/** Application-level keepalive: browsers cannot send WebSocket pings, and a dead mobile socket only shows this way. */
export const ping = { request: v.object({}), response: v.object({}) };
