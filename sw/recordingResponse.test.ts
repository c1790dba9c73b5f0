import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import type { RecordingMeta } from '../app/recording/ports.ts';
import { openRecordingStore, type IdbRecordingStore } from '../app/storage/recordingStore.ts';
import { recordingFileName, recordingResponse } from './recordingResponse.ts';

/* The save of a stored recording as the service worker answers it; the real thing end to end: test/e2e/recording-save.test.ts. */

const bytes = (...parts: number[][]) => new Uint8Array(parts.flat());
const UNKNOWN_SIZE = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
/** Chunk 0 as MediaRecorder writes it: EBML header, Segment of unknown size, Info (no Duration), a Cluster begun. */
const webmChunk0 = bytes(
  [0x1a, 0x45, 0xdf, 0xa3, 0x84, 0x42, 0x82, 0x81, 0x77],
  [0x18, 0x53, 0x80, 0x67, ...UNKNOWN_SIZE],
  [0x15, 0x49, 0xa9, 0x66, 0x84, 0x2a, 0xd7, 0xb1, 0x80],
  [0x1f, 0x43, 0xb6, 0x75, ...UNKNOWN_SIZE, 1, 2, 3, 4, 5],
);
const INFO_END = 9 + 12 + 9;
const later = (seq: number) => new Uint8Array(1000 + seq).fill(seq);

let dbCount = 0;
async function storeWith(mimeType: string, chunks: Uint8Array<ArrayBuffer>[], durationMs = 3_000): Promise<{ store: IdbRecordingStore; id: string }> {
  const store = await openRecordingStore(`recording-response-${++dbCount}`);
  if (!store) throw new Error('no IndexedDB');
  const id = `rec-${dbCount}`;
  await store.create({ id, room: 'standup', mimeType, startedAt: new Date(2026, 10, 26, 19, 30, 12).getTime() });
  for (const [seq, chunk] of chunks.entries()) await store.putChunk(id, seq, new Blob([chunk]), ((seq + 1) * durationMs) / chunks.length);
  return { store, id };
}

async function body(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

describe('a recording saved through the service worker', () => {
  test('WebM: the new header with its duration, then every stored byte after the old header, at the length announced', async () => {
    const { store, id } = await storeWith('video/webm;codecs=vp8,opus', [webmChunk0, later(1), later(2)]);
    const response = await recordingResponse(store, id);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('video/webm');
    expect(response.headers.get('Content-Disposition')).toBe(
      `attachment; filename="Huddle standup 2026-11-26 19-30.webm"; filename*=UTF-8''Huddle%20standup%202026-11-26%2019-30.webm`,
    );
    const saved = await body(response);
    expect(Number(response.headers.get('Content-Length'))).toBe(saved.length);
    // Info grew by an 11-byte Duration of 3000 (TimecodeScale 1 ms); after it, the stored bytes as they were.
    expect(saved.length).toBe(webmChunk0.length + 1001 + 1002 + 11);
    const duration = new DataView(saved.buffer, INFO_END + 3, 8).getFloat64(0);
    expect(duration).toBe(3_000);
    expect(saved.subarray(INFO_END + 11)).toEqual(bytes([...webmChunk0.subarray(INFO_END)], [...later(1)], [...later(2)]));
  });

  test('MP4 (Safari) is saved exactly as recorded', async () => {
    const mp4 = [bytes([0, 0, 0, 0x10], [...'ftypiso5'].map((c) => c.charCodeAt(0)), [0, 0, 0, 0]), later(1)];
    const { store, id } = await storeWith('video/mp4', mp4);
    const response = await recordingResponse(store, id);
    expect(response.headers.get('Content-Type')).toBe('video/mp4');
    expect(response.headers.get('Content-Disposition')).toContain('filename="Huddle standup 2026-11-26 19-30.mp4"');
    expect(await body(response)).toEqual(bytes([...mp4[0]!], [...mp4[1]!]));
    expect(response.headers.get('Content-Length')).toBe(String(16 + 1001));
  });

  test('streamed a chunk at a time as the download takes it, never read whole', async () => {
    const { store, id } = await storeWith('video/webm', [webmChunk0, ...Array.from({ length: 9 }, (_, i) => later(i + 1))]);
    const asked: number[] = [];
    const counting = { get: (of: string) => store.get(of), chunk: (of: string, seq: number) => (asked.push(seq), store.chunk(of, seq)) };
    const reader = (await recordingResponse(counting, id)).body!.getReader();
    expect(asked).toEqual([0]);
    await reader.read();
    await reader.read();
    await reader.read();
    expect(asked).toEqual([0, 1]);
    await reader.cancel();
  });

  test('while still being written it saves what was stored when the save began, a file whose length matches', async () => {
    const { store, id } = await storeWith('video/webm', [webmChunk0, later(1)], 2_000);
    const response = await recordingResponse(store, id);
    await store.putChunk(id, 2, new Blob([later(2)]), 3_000);
    const saved = await body(response);
    expect(saved.length).toBe(Number(response.headers.get('Content-Length')));
    expect(saved.length).toBe(webmChunk0.length + 1001 + 11);
    expect(new DataView(saved.buffer, INFO_END + 3, 8).getFloat64(0)).toBe(2_000);
  });

  test('deleted while saving: the stream fails (the browser fails the download, no short file passes for whole)', async () => {
    const { store, id } = await storeWith('video/webm', [webmChunk0, later(1), later(2)]);
    const reader = (await recordingResponse(store, id)).body!.getReader();
    await reader.read();
    await store.delete(id);
    await expect((async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })()).rejects.toThrow(`Recording ${id} was deleted while it was being saved.`);
  });

  test('an unknown or empty recording is a 404 in words', async () => {
    const { store, id } = await storeWith('video/webm', []);
    const unknown = await recordingResponse(store, 'nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('There is no such recording on this device: it may have been deleted.');
    const empty = await recordingResponse(store, id);
    expect([empty.status, await empty.text()]).toEqual([404, 'This recording has nothing in it yet.']);
  });

  test('file names: the room and local start time, the extension from the type', () => {
    const meta = (room: string, mimeType: string): Pick<RecordingMeta, 'room' | 'startedAt' | 'mimeType'> => ({
      room,
      mimeType,
      startedAt: new Date(2026, 0, 5, 7, 3).getTime(),
    });
    expect(recordingFileName(meta('Team Sync', 'video/webm;codecs=vp9,opus'))).toBe('Huddle Team Sync 2026-01-05 07-03.webm');
    expect(recordingFileName(meta('', 'video/mp4;codecs=avc1,opus'))).toBe('Huddle 2026-01-05 07-03.mp4');
    expect(recordingFileName(meta('x', 'nonsense'))).toBe('Huddle x 2026-01-05 07-03.bin');
  });
});
