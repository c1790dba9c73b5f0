import { describe, expect, test } from 'vitest';
import { parseRequest, parseServerMessage } from './envelope.ts';

const frame = (value: unknown) => JSON.stringify(value);

describe('parseRequest (server side)', () => {
  test('accepts a valid join and trims the name', () => {
    const parsed = parseRequest(frame({ id: 7, method: 'join', data: { room: 'standup', name: '  Ana ' } }));
    expect(parsed).toEqual({ ok: true, request: { id: 7, method: 'join', data: { room: 'standup', name: 'Ana' } } });
  });

  test('a request without data gets an empty object (leave, ping)', () => {
    expect(parseRequest(frame({ id: 1, method: 'ping' }))).toEqual({ ok: true, request: { id: 1, method: 'ping', data: {} } });
  });

  test.each([
    ['not JSON', '{"id":1,', null, 'bad_request'],
    ['an array', '[1,2]', null, 'bad_request'],
    ['no id', frame({ method: 'ping' }), null, 'bad_request'],
    ['a negative id', frame({ id: -1, method: 'ping' }), null, 'bad_request'],
    ['a fractional id', frame({ id: 1.5, method: 'ping' }), null, 'bad_request'],
    ['an unknown method', frame({ id: 2, method: 'rm -rf' }), 2, 'unknown_method'],
    ['a prototype key as method', frame({ id: 3, method: '__proto__' }), 3, 'unknown_method'],
    ['a room with a slash', frame({ id: 4, method: 'join', data: { room: 'a/b', name: 'x' } }), 4, 'bad_request'],
    ['an empty name', frame({ id: 5, method: 'join', data: { room: 'r', name: '   ' } }), 5, 'bad_request'],
    ['a 41-character name', frame({ id: 6, method: 'join', data: { room: 'r', name: 'x'.repeat(41) } }), 6, 'bad_request'],
    ['a camera source that is not one', frame({ id: 8, method: 'produce', data: { transportId: 't', kind: 'video', source: 'webcam', rtpParameters: { codecs: [] } } }), 8, 'bad_request'],
    ['a wrong protocolVersion type', frame({ id: 9, method: 'hello', data: { protocolVersion: '1' } }), 9, 'bad_request'],
  ])('rejects %s with a typed error', (_what, text, id, code) => {
    const parsed = parseRequest(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.id).toBe(id);
    expect(parsed.error.code).toBe(code);
    expect(parsed.error.message.length).toBeGreaterThan(0);
  });

  test('names the offending field in the message', () => {
    const parsed = parseRequest(frame({ id: 1, method: 'createTransport', data: { direction: 'sideways' } }));
    expect(parsed.ok || parsed.error.message).toMatch(/direction/);
  });
});

describe('parseServerMessage (client side)', () => {
  test('a success response keeps its data for later validation', () => {
    expect(parseServerMessage(frame({ id: 3, ok: true, data: { a: 1 } }))).toEqual({
      kind: 'response',
      response: { id: 3, ok: true, data: { a: 1 } },
    });
  });

  test('an error response must carry a known code', () => {
    const ok = parseServerMessage(frame({ id: 3, ok: false, error: { code: 'not_joined', message: 'Join first' } }));
    expect(ok.kind).toBe('response');
    const unknown = parseServerMessage(frame({ id: 3, ok: false, error: { code: 'teapot', message: 'x' } }));
    expect(unknown.kind).toBe('invalid');
  });

  test('a notification is validated against its schema', () => {
    const good = parseServerMessage(frame({ method: 'peerLeft', data: { peerId: 'p1' } }));
    expect(good).toEqual({ kind: 'notification', notification: { method: 'peerLeft', data: { peerId: 'p1' } } });
    expect(parseServerMessage(frame({ method: 'peerLeft', data: {} })).kind).toBe('invalid');
    expect(parseServerMessage(frame({ method: 'selfDestruct', data: {} })).kind).toBe('invalid');
    expect(parseServerMessage(frame({ method: 'producerAdded', data: { peerId: 'p', publication: { id: 'x', source: 'cam', kind: 'video', paused: 'no' } } })).kind).toBe('invalid');
  });
});
