import * as v from 'valibot';
import { idSchema } from './primitives.ts';

/*
 * File transfer. Bytes travel over WebRTC data channels through the SFU: the sender opens a `file` DataProducer (a
 * "link") toward an exact set of peers, and the server gives only those peers a DataConsumer of it, so a chunk sent
 * to everyone is uploaded once and fanned out by mediasoup. Everything else (offer, answer, acknowledged offset,
 * resume, cancel, done, verified) goes over signaling and is relayed by the server, which checks that each message
 * comes from a party of the transfer.
 *
 * mediasoup can drop messages on a reliable channel when a receiver's SCTP send buffer fills
 * (../shared/notes/datachannels.md), so delivery rests on the apps: the receiver acknowledges the offset it has
 * persisted, the sender keeps a bounded window of unacknowledged bytes and goes back to a receiver's offset when it
 * asks (`fileResume`: a gap, a reconnect, a reload).
 *
 * Peer ids change when a peer's grace period ran out or the server restarted, so each party of a transfer holds a
 * secret (a random string it made): the sender's is given with `fileOffer`, a receiver's with `fileAnswer`. The
 * server keeps only their SHA-256 (`key`), and a message that carries a party's secret rebinds that party to the
 * asking peer. A receiver is named to the sender by its key, which never changes.
 */

/** Payload bytes per chunk frame: well under the 256 KiB SCTP message limit, and small enough to interleave. */
export const FILE_CHUNK_SIZE = 64 * 1024;

/** Largest file offered: 64 GiB (offsets are exact in a double far beyond that). */
export const FILE_MAX_SIZE = 64 * 1024 ** 3;

/** A transfer id: a UUID made by the sender (it is also encoded in every chunk frame). */
export const transferIdSchema = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'A transfer id is a lowercase UUID'),
);

/** A party's secret: 22–64 URL-safe characters (128 random bits or more). */
export const transferSecretSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22,64}$/, 'A transfer secret is 22–64 URL-safe characters'));

/** Lowercase hex SHA-256: a file's digest, a first chunk's digest, a party's key (digest of its secret). */
export const sha256HexSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'A SHA-256 is 64 lowercase hex digits'));

export const byteOffsetSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(FILE_MAX_SIZE));

/** What a receiver is told about a file before it accepts. */
export const fileMetaSchema = v.object({
  /** The file's name as picked, shown and used for the download; any Unicode, no path. */
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.check((name) => !/[/\\\0]/.test(name), 'A file name has no slashes')),
  size: byteOffsetSchema,
  /** MIME type as the browser reported it; may be empty. */
  type: v.pipe(v.string(), v.maxLength(255)),
  /** SHA-256 of the first FILE_CHUNK_SIZE bytes (of the whole file when smaller): how a reloaded sender's re-picked file is matched. */
  firstChunkSha256: sha256HexSchema,
});
export type FileMeta = v.InferOutput<typeof fileMetaSchema>;

/** A receiver as the sender knows it: its key once it has answered, its current peer id. */
export const fileRecipientSchema = v.object({ peerId: idSchema, key: v.optional(sha256HexSchema) });

const ok = v.object({});

/**
 * Sender → server: offer a file to these peers (in the room now), or offer it again after a reconnect, a reload or a
 * server restart (same id and secret; then `to` also names the keys of receivers that had accepted, so they can
 * rebind). Recipients that have not answered yet get `fileOffered` (again). Reply: the recipients as the server
 * holds them.
 */
export const fileOffer = {
  request: v.object({
    transferId: transferIdSchema,
    secret: transferSecretSchema,
    meta: fileMetaSchema,
    to: v.pipe(v.array(fileRecipientSchema), v.minLength(1), v.maxLength(64)),
  }),
  response: v.object({ recipients: v.array(v.object({ peerId: idSchema, key: v.optional(sha256HexSchema), connected: v.boolean() })) }),
};

/** Receiver → server: accept (with this receiver's secret) or decline an offer made to it. */
export const fileAnswer = {
  request: v.object({ transferId: transferIdSchema, accept: v.boolean(), secret: transferSecretSchema }),
  response: ok,
};

/** Receiver → server: bytes [0, offset) are persisted here; relayed to the sender. Only from the bound receiver. */
export const fileAck = {
  request: v.object({ transferId: transferIdSchema, offset: byteOffsetSchema }),
  response: ok,
};

/**
 * Receiver → server: send again from `offset` (a gap seen, or back after a reconnect or a reload). Carries the
 * receiver's secret, so it also rebinds the receiver to this peer. Fails `not_found` while the sender is not here
 * (the receiver tries again later).
 */
export const fileResume = {
  request: v.object({ transferId: transferIdSchema, secret: transferSecretSchema, offset: byteOffsetSchema }),
  response: ok,
};

/** Either side → server: the sender cancels the whole transfer; a receiver cancels only its own part. */
export const fileCancel = {
  request: v.object({ transferId: transferIdSchema, secret: transferSecretSchema }),
  response: ok,
};

/** Sender → server: this receiver has acknowledged every byte; here is the file's SHA-256 to compare. */
export const fileDone = {
  request: v.object({ transferId: transferIdSchema, key: sha256HexSchema, sha256: sha256HexSchema }),
  response: ok,
};

/** Receiver → server: the SHA-256 matched (the download is saved) or did not (it is failed, never saved). */
export const fileVerified = {
  request: v.object({ transferId: transferIdSchema, ok: v.boolean() }),
  response: ok,
};

/**
 * Sender → server: open a `file` DataProducer toward exactly these peers. The sender then calls `produceData` with
 * label `file` and `linkId` set to this reply's id; the server gives each audience peer a DataConsumer by telling
 * it `fileLinkOpened`, and it consumes it with `consumeData`.
 */
export const openFileLink = {
  request: v.object({ audience: v.pipe(v.array(idSchema), v.minLength(1), v.maxLength(64)) }),
  response: v.object({ linkId: idSchema }),
};

/**
 * Sender → server: this link is no longer needed (its audience changed, or its transfers ended). Its DataProducer
 * closes, and with it each audience peer's DataConsumer. A peer holds at most 16 links at once.
 */
export const closeFileLink = {
  request: v.object({ linkId: idSchema }),
  response: ok,
};

/* Server → client notifications. */

/** To each recipient: someone offers you a file (also sent again when the sender offers it again). */
export const fileOfferedSchema = v.object({
  transferId: transferIdSchema,
  from: v.object({ peerId: idSchema, name: v.string(), key: sha256HexSchema }),
  meta: fileMetaSchema,
});

/** To the sender: a recipient answered. */
export const fileAnsweredSchema = v.object({ transferId: transferIdSchema, peerId: idSchema, accept: v.boolean(), key: v.optional(sha256HexSchema) });

/** To the sender: a receiver's persisted offset. */
export const fileAckedSchema = v.object({ transferId: transferIdSchema, peerId: idSchema, key: sha256HexSchema, offset: byteOffsetSchema });

/** To the sender: a receiver asks for bytes from `offset` on (its `peerId` may be new). */
export const fileResumeFromSchema = fileAckedSchema;

/** To the other side(s): the transfer (sender cancelled) or one receiver's part (`key`) was cancelled. */
export const fileCancelledSchema = v.object({ transferId: transferIdSchema, by: v.picklist(['sender', 'receiver', 'server']), key: v.optional(sha256HexSchema) });

/** To a receiver: every byte is acknowledged; compare with this digest. */
export const fileDoneSchema = v.object({ transferId: transferIdSchema, sha256: sha256HexSchema });

/** To the sender: a receiver's verdict. */
export const fileVerifiedSchema = v.object({ transferId: transferIdSchema, peerId: idSchema, key: sha256HexSchema, ok: v.boolean() });

/** To each audience peer of a link: consume this DataProducer (with `consumeData`) to get the sender's chunks. */
export const fileLinkOpenedSchema = v.object({ linkId: idSchema, dataProducerId: idSchema, from: idSchema });

/**
 * To a link's owner: this audience peer consumes the link now. Frames sent before it does are lost (the SFU has no
 * consumer to give them to), so the sender waits for every audience peer (or a timeout) before sending.
 */
export const fileLinkReadySchema = v.object({ linkId: idSchema, peerId: idSchema });

/* Chunk frames: binary messages on a file link. */

/** Frame layout: kind (1 byte) · transfer id (16 bytes, the UUID's) · offset (8 bytes, unsigned big-endian) · payload. */
export const FILE_FRAME_HEADER_BYTES = 25;
export const FILE_FRAME_KIND_CHUNK = 1;

export type FileChunkFrame = { transferId: string; offset: number; payload: Uint8Array };

/** Builds a chunk frame; `payload` is copied once into the frame. */
export function encodeChunkFrame(transferId: string, offset: number, payload: Uint8Array): ArrayBuffer {
  const frame = new Uint8Array(FILE_FRAME_HEADER_BYTES + payload.byteLength);
  frame[0] = FILE_FRAME_KIND_CHUNK;
  const hex = transferId.replaceAll('-', '');
  for (let i = 0; i < 16; i++) frame[1 + i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  new DataView(frame.buffer).setBigUint64(17, BigInt(offset));
  frame.set(payload, FILE_FRAME_HEADER_BYTES);
  return frame.buffer;
}

/** Reads a chunk frame; undefined for anything that is not one (wrong kind, too short). The payload is a view. */
export function decodeChunkFrame(data: ArrayBuffer): FileChunkFrame | undefined {
  if (data.byteLength < FILE_FRAME_HEADER_BYTES || data.byteLength > FILE_FRAME_HEADER_BYTES + FILE_CHUNK_SIZE) return undefined;
  const bytes = new Uint8Array(data);
  if (bytes[0] !== FILE_FRAME_KIND_CHUNK) return undefined;
  const hex = [...bytes.subarray(1, 17)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  const transferId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const offset = Number(new DataView(data).getBigUint64(17));
  if (offset > FILE_MAX_SIZE) return undefined;
  return { transferId, offset, payload: bytes.subarray(FILE_FRAME_HEADER_BYTES) };
}
