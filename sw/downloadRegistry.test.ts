import { describe, expect, test } from 'vitest';
import type { FileMeta } from '../shared/protocol/files.ts';
import { DOWNLOAD_CHANNEL } from './downloadMessages.ts';
import { DownloadRegistry } from './downloadRegistry.ts';

const ID = '0b7c2a56-1d2e-4f3a-9b8c-7d6e5f4a3b2c';
const meta = (size: number, name = 'clip.bin'): FileMeta => ({ name, size, type: '', firstChunkSha256: 'a'.repeat(64) });
const ask = (registry: DownloadRegistry, method: string, data: Record<string, unknown>) =>
  registry.handle({ channel: DOWNLOAD_CHANNEL, method, data: { transferId: ID, ...data } });
const bytes = (from: number, length: number) => Uint8Array.from({ length }, (_, i) => (from + i) % 251).buffer;

/** Opens a download and plays the browser: requests its URL and returns a reader of the body. */
async function openAndRequest(registry: DownloadRegistry, size: number) {
  const opened = ask(registry, 'open', { meta: meta(size) });
  const response = await registry.respond(ID);
  expect(await opened).toMatchObject({ ok: true, data: { state: 'streaming', written: 0 } });
  if (!response.body) throw new Error('no body');
  return { response, reader: response.body.getReader() };
}

/** Resolves to 'settled' if the promise settled within a few turns of the event loop, else 'pending'. */
async function settledSoon(promise: Promise<unknown>): Promise<'settled' | 'pending'> {
  return Promise.race([promise.then(() => 'settled' as const), new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 20))]);
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(...value);
  }
}

describe('message validation', () => {
  test.each([
    ['an unknown method', { channel: DOWNLOAD_CHANNEL, method: 'delete', data: { transferId: ID } }],
    ['a transfer id that is not a UUID', { channel: DOWNLOAD_CHANNEL, method: 'status', data: { transferId: '../etc' } }],
    ['bytes that are not an ArrayBuffer', { channel: DOWNLOAD_CHANNEL, method: 'chunk', data: { transferId: ID, offset: 0, bytes: [1, 2] } }],
    ['a negative offset', { channel: DOWNLOAD_CHANNEL, method: 'chunk', data: { transferId: ID, offset: -1, bytes: new ArrayBuffer(1) } }],
    ['a chunk over 4 MiB', { channel: DOWNLOAD_CHANNEL, method: 'chunk', data: { transferId: ID, offset: 0, bytes: new ArrayBuffer(4 * 1024 * 1024 + 1) } }],
    ['a file name with a slash', { channel: DOWNLOAD_CHANNEL, method: 'open', data: { transferId: ID, meta: meta(1, 'a/b') } }],
    ['no channel', { method: 'status', data: { transferId: ID } }],
  ])('%s is refused as invalid and changes nothing', async (_, message) => {
    const registry = new DownloadRegistry({ requestTimeoutMs: 50 });
    const reply = await registry.handle(message);
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await ask(registry, 'status', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('a streamed download', () => {
  test('answers with the file name, type and length, and streams the bytes given in order', async () => {
    const registry = new DownloadRegistry();
    const { response, reader } = await openAndRequest(registry, 10);
    expect(response.headers.get('Content-Length')).toBe('10');
    expect(response.headers.get('Content-Disposition')).toContain("filename*=UTF-8''clip.bin");
    const first = ask(registry, 'chunk', { offset: 0, bytes: bytes(0, 6) });
    const last = ask(registry, 'chunk', { offset: 6, bytes: bytes(6, 4) });
    const all = readAll(reader);
    expect(await first).toMatchObject({ ok: true });
    expect(await last).toMatchObject({ ok: true, data: { written: 10 } });
    expect(await ask(registry, 'close', {})).toMatchObject({ ok: true, data: { state: 'complete', written: 10 } });
    expect(await all).toEqual([...new Uint8Array(bytes(0, 10))]);
  });

  test('a chunk is confirmed only once the browser read it (backpressure)', async () => {
    const registry = new DownloadRegistry();
    const { reader } = await openAndRequest(registry, 100);
    const chunk = ask(registry, 'chunk', { offset: 0, bytes: bytes(0, 10) });
    expect(await settledSoon(chunk)).toBe('pending');
    expect(await ask(registry, 'status', {})).toMatchObject({ ok: true, data: { written: 0 } });
    await reader.read();
    expect(await chunk).toMatchObject({ ok: true, data: { written: 10 } });
  });

  test('bytes given again after a reload are skipped by offset, and a gap is refused', async () => {
    const registry = new DownloadRegistry();
    const { reader } = await openAndRequest(registry, 30);
    const all = readAll(reader);
    await ask(registry, 'chunk', { offset: 0, bytes: bytes(0, 10) });
    // A reloaded page sends from an older offset: only the new part [10, 20) is taken.
    expect(await ask(registry, 'chunk', { offset: 5, bytes: bytes(5, 15) })).toMatchObject({ ok: true, data: { written: 20 } });
    expect(await ask(registry, 'chunk', { offset: 0, bytes: bytes(0, 10) })).toMatchObject({ ok: true, data: { written: 20 } });
    expect(await ask(registry, 'chunk', { offset: 25, bytes: bytes(25, 5) })).toMatchObject({
      ok: false,
      error: { code: 'gap' },
      status: { written: 20 },
    });
    expect(await ask(registry, 'chunk', { offset: 20, bytes: bytes(20, 11) })).toMatchObject({ ok: false, error: { code: 'too_long' } });
    await ask(registry, 'chunk', { offset: 20, bytes: bytes(20, 10) });
    await ask(registry, 'close', {});
    expect(await all).toEqual([...new Uint8Array(bytes(0, 30))]);
  });

  test('the last piece is held until close, so an abort after every byte still fails the download', async () => {
    const registry = new DownloadRegistry();
    const { reader } = await openAndRequest(registry, 20);
    const all = readAll(reader);
    await ask(registry, 'chunk', { offset: 0, bytes: bytes(0, 10) });
    // Confirmed (the page need not keep it) although the browser has not read it.
    expect(await ask(registry, 'chunk', { offset: 10, bytes: bytes(10, 10) })).toMatchObject({ ok: true, data: { written: 20 } });
    expect(await ask(registry, 'abort', { reason: 'SHA-256 mismatch' })).toMatchObject({ ok: true, data: { state: 'failed' } });
    await expect(all).rejects.toThrow('SHA-256 mismatch');
    expect(await ask(registry, 'chunk', { offset: 20, bytes: bytes(20, 0) })).toMatchObject({ ok: false, error: { code: 'ended' } });
  });

  test('close is refused while bytes are missing', async () => {
    const registry = new DownloadRegistry();
    const { reader } = await openAndRequest(registry, 20);
    void readAll(reader);
    await ask(registry, 'chunk', { offset: 0, bytes: bytes(0, 10) });
    expect(await ask(registry, 'close', {})).toMatchObject({ ok: false, error: { code: 'incomplete' }, status: { state: 'streaming' } });
  });

  test('a 0-byte file completes on close', async () => {
    const registry = new DownloadRegistry();
    const { response, reader } = await openAndRequest(registry, 0);
    expect(response.headers.get('Content-Length')).toBe('0');
    const all = readAll(reader);
    expect(await ask(registry, 'close', {})).toMatchObject({ ok: true, data: { state: 'complete' } });
    expect(await all).toEqual([]);
  });

  test('cancelled in the browser: a waiting chunk and later ones are refused as ended, and status says cancelled', async () => {
    const registry = new DownloadRegistry();
    const { reader } = await openAndRequest(registry, 100);
    const waiting = ask(registry, 'chunk', { offset: 0, bytes: bytes(0, 10) });
    await reader.cancel();
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'ended' }, status: { state: 'cancelled' } });
    expect(await ask(registry, 'ping', {})).toMatchObject({ ok: true, data: { state: 'cancelled' } });
    // Told in the same words later on.
    expect(await ask(registry, 'chunk', { offset: 0, bytes: bytes(0, 10) })).toMatchObject({
      ok: false,
      error: { code: 'ended', message: 'The download was cancelled in the browser' },
    });
  });

  test('the browser may request before open arrives; a second request is refused', async () => {
    const registry = new DownloadRegistry();
    const early = registry.respond(ID);
    const opened = ask(registry, 'open', { meta: meta(1) });
    expect((await early).status).toBe(200);
    expect(await opened).toMatchObject({ ok: true });
    expect((await registry.respond(ID)).status).toBe(410);
    expect(await ask(registry, 'open', { meta: meta(1) })).toMatchObject({ ok: false, error: { code: 'exists' } });
  });

  test('open fails as not_started when the browser never requests the URL, and an unknown download is a 404', async () => {
    const registry = new DownloadRegistry({ requestTimeoutMs: 30, registrationWaitMs: 10 });
    expect(await ask(registry, 'open', { meta: meta(1) })).toMatchObject({ ok: false, error: { code: 'not_started' } });
    expect((await registry.respond(ID)).status).toBe(404);
    expect((await registry.respond('not-a-uuid')).status).toBe(404);
  });

  test('open again before the browser requested the first (a reload at that moment) replaces it', async () => {
    const registry = new DownloadRegistry();
    const first = ask(registry, 'open', { meta: meta(1) });
    const second = ask(registry, 'open', { meta: meta(2) });
    expect(await first).toMatchObject({ ok: false, error: { code: 'not_started' } });
    expect((await registry.respond(ID)).headers.get('Content-Length')).toBe('2');
    expect(await second).toMatchObject({ ok: true, data: { state: 'streaming', size: 2 } });
  });
});
