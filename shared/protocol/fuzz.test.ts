import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ERROR_CODES } from './errors.ts';
import { decodeChunkFrame, encodeChunkFrame, FILE_CHUNK_SIZE, FILE_FRAME_HEADER_BYTES, FILE_FRAME_KIND_CHUNK, FILE_MAX_SIZE } from './files.ts';
import { parseRequest, parseServerMessage } from './envelope.ts';

/** Bytes shaped like a chunk frame (right kind, header present), with any id, offset and payload: the near misses. */
const chunkLike = fc
  .tuple(fc.constantFrom(FILE_FRAME_KIND_CHUNK, FILE_FRAME_KIND_CHUNK, 0, 2, 255), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.oneof(fc.bigInt({ min: 0n, max: BigInt(FILE_MAX_SIZE) + 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), fc.nat({ max: FILE_CHUNK_SIZE + 2 }))
  .map(([kind, id, offset, size]) => {
    const frame = new Uint8Array(FILE_FRAME_HEADER_BYTES + size);
    frame[0] = kind;
    frame.set(id, 1);
    new DataView(frame.buffer).setBigUint64(17, offset);
    return frame;
  });

describe('file chunk frames: every byte string', () => {
  test('is either refused or read as a frame that encodes back to exactly the same bytes', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), chunkLike), (bytes) => {
        const frame = decodeChunkFrame(bytes.slice().buffer);
        if (frame === undefined) return;
        accepted++;
        expect(bytes[0]).toBe(FILE_FRAME_KIND_CHUNK);
        expect(frame.offset).toBeLessThanOrEqual(FILE_MAX_SIZE);
        expect(frame.payload.byteLength).toBeLessThanOrEqual(FILE_CHUNK_SIZE);
        expect(frame.transferId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(Buffer.compare(Buffer.from(encodeChunkFrame(frame.transferId, frame.offset, frame.payload)), Buffer.from(bytes))).toBe(0);
      }),
      { numRuns: 1_500 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('envelope parsers: every text', () => {
  test('the server’s request parser and the client’s server-frame parser never throw and always classify', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((json) => JSON.stringify(json)),
      fc.record({ id: fc.jsonValue({ maxDepth: 1 }), ok: fc.jsonValue({ maxDepth: 1 }), method: fc.string({ maxLength: 20 }), data: fc.jsonValue({ maxDepth: 2 }), error: fc.record({ code: fc.oneof(fc.constantFrom(...ERROR_CODES), fc.string()), message: fc.string() }) }, { requiredKeys: [] }).map((json) => JSON.stringify(json)),
    );
    fc.assert(
      fc.property(text, (raw) => {
        const request = parseRequest(raw);
        if (!request.ok) expect(ERROR_CODES).toContain(request.error.code);
        const message = parseServerMessage(raw);
        expect(['response', 'notification', 'invalid']).toContain(message.kind);
        if (message.kind === 'response' && !message.response.ok) expect(ERROR_CODES).toContain(message.response.error.code);
      }),
      { numRuns: 1_500 },
    );
  });
});
