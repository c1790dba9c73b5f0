import * as v from 'valibot';

/*
 * Shapes of the mediasoup parameter objects that cross the wire. Only the fields we rely on are checked here;
 * mediasoup validates the rest deeply and its TypeError becomes a `media_error` reply, so a loose object is
 * enough at this boundary and keeps the schema in step with mediasoup versions.
 */

const boundedArray = <T extends v.GenericSchema>(item: T, max: number) => v.pipe(v.array(item), v.maxLength(max));

const codecSchema = v.looseObject({
  mimeType: v.pipe(v.string(), v.maxLength(64)),
  clockRate: v.number(),
});

export const rtpCapabilitiesSchema = v.looseObject({
  codecs: v.optional(boundedArray(codecSchema, 128)),
  headerExtensions: v.optional(boundedArray(v.looseObject({ uri: v.string() }), 64)),
});

export const rtpParametersSchema = v.looseObject({
  codecs: boundedArray(codecSchema, 32),
  encodings: v.optional(boundedArray(v.looseObject({}), 8)),
  headerExtensions: v.optional(boundedArray(v.looseObject({ uri: v.string() }), 32)),
  rtcp: v.optional(v.looseObject({})),
  mid: v.optional(v.string()),
});

export const dtlsParametersSchema = v.looseObject({
  role: v.optional(v.picklist(['auto', 'client', 'server'])),
  fingerprints: v.pipe(
    v.array(v.looseObject({ algorithm: v.string(), value: v.pipe(v.string(), v.maxLength(256)) })),
    v.minLength(1),
    v.maxLength(8),
  ),
});

export const iceParametersSchema = v.looseObject({
  usernameFragment: v.string(),
  password: v.string(),
  iceLite: v.optional(v.boolean()),
});

export const iceCandidateSchema = v.looseObject({
  foundation: v.string(),
  priority: v.number(),
  address: v.string(),
  protocol: v.picklist(['udp', 'tcp']),
  port: v.number(),
  type: v.string(),
});

export const sctpCapabilitiesSchema = v.looseObject({
  numStreams: v.looseObject({ OS: v.number(), MIS: v.number() }),
});

export const sctpParametersSchema = v.looseObject({
  port: v.number(),
  OS: v.number(),
  MIS: v.number(),
  maxMessageSize: v.number(),
});

export const iceServerSchema = v.object({
  urls: v.union([v.string(), v.array(v.string())]),
  username: v.optional(v.string()),
  credential: v.optional(v.string()),
});
