import * as fc from 'fast-check';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

// Thousands of dropped frames: keep the expected warnings out of the output. Errors still print, and fail below.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'error';
});

import { annotationUpFrameSchema, chatUpFrameSchema, type Notification } from '../../shared/protocol/index.ts';
import { RoomAnnotations } from '../annotations/boards.ts';
import { AnnotationService } from '../annotations/service.ts';
import { PPID_STRING, PPID_STRING_EMPTY } from '../sfu/dataChannels.ts';
import type { Peer } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';
import { nearValid } from '../../test/support/fuzz.ts';
import { chatRoomEvents } from './roomEvents.ts';
import { MAX_CHAT_FRAME_BYTES, ChatService } from './service.ts';
import { ChatStore } from './store.ts';

const PPID_BINARY = 53;
const PPID_BINARY_EMPTY = 57;

/**
 * A room's data-message dispatch as mediasoup drives it (roomEvents), with the real chat and annotation services on
 * an in-memory store. The room is reduced to what the dispatch reads; Ann shares her screen, Mallory sends.
 */
function setUp() {
  const clock = { now: 0 };
  const store = new ChatStore(':memory:', () => clock.now);
  const chat = new ChatService(store, () => clock.now);
  const annotations = new AnnotationService(() => clock.now);
  const events = chatRoomEvents(chat, annotations);
  const fannedOut: string[] = [];
  const room = {
    id: 'fuzz-room',
    instanceId: 'meeting-1',
    password: undefined,
    closed: false,
    annotations: new RoomAnnotations(),
    sharesScreen: (peerId: string) => peerId === 'ann',
    data: { sendChat: (text: string) => (fannedOut.push(text), 3) },
  } as unknown as Room;
  const acks: Notification[] = [];
  const mallory = { id: 'mallory', name: 'Mallory', notify: (notification: Notification) => acks.push(notification) } as unknown as Peer;
  const send = async (label: 'chat' | 'file', payload: Buffer, ppid: number) => {
    // A second apart: the per-peer rate limits never decide; what is in the frame does.
    clock.now += 1_000;
    events.dataMessage(room, { peer: mallory, label, payload, ppid });
    // Chat frames are stored in their room's turn, asynchronously: wait until that turn is done.
    await new Promise((resolve) => setImmediate(resolve));
  };
  const rejected = () =>
    Object.values(chat.stats.rejected).reduce((sum, n) => sum + n, 0) + Object.values(annotations.stats.rejected).reduce((sum, n) => sum + n, 0);
  return { chat, annotations, store, room, fannedOut, acks, send, rejected };
}

const validChat = fc.record({
  type: fc.constant('send'),
  id: fc.stringMatching(/^[A-Za-z0-9-]{8,40}$/),
  text: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constant('"annotate"'), fc.constant('é'.repeat(2_000))),
});
const validAnnotate = fc.record({
  type: fc.constant('annotate'),
  op: fc.oneof(
    fc.record({
      kind: fc.constant('stroke'),
      board: fc.constantFrom('ann', 'ann', 'ann', 'mallory', 'nobody'), // only Ann shares a screen to draw on
      strokeId: fc.stringMatching(/^[A-Za-z0-9-]{8,20}$/),
      color: fc.constantFrom('#ff2d55', '#34c759'),
      width: fc.integer({ min: 5, max: 200 }),
      from: fc.oneof(fc.constant(0), fc.nat({ max: 10 })), // a new stroke starts at 0; later ops continue it
      points: fc.array(fc.nat({ max: 10_000 }), { minLength: 1, maxLength: 8 }).map((points) => [...points, ...points]),
    }),
    fc.record({ kind: fc.constant('undo'), board: fc.constant('ann'), strokeId: fc.stringMatching(/^[A-Za-z0-9-]{8,20}$/) }),
    fc.record({ kind: fc.constant('clear'), board: fc.constantFrom('ann', 'mallory') }),
  ),
});

/** A frame on a data channel: its label, its bytes and whether SCTP says it is text. */
const dataFrame = fc.record({
  label: fc.constantFrom('chat', 'chat', 'chat', 'file') as fc.Arbitrary<'chat' | 'file'>,
  ppid: fc.constantFrom(PPID_STRING, PPID_STRING, PPID_STRING, PPID_STRING_EMPTY, PPID_BINARY, PPID_BINARY_EMPTY, 0),
  payload: fc.oneof(
    { weight: 3, arbitrary: nearValid(validChat).map((json) => Buffer.from(JSON.stringify(json) ?? '')) },
    { weight: 3, arbitrary: nearValid(validAnnotate).map((json) => Buffer.from(JSON.stringify(json) ?? '')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => Buffer.from(JSON.stringify(json))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => Buffer.from(`{"type":"annotate",${text}`)) },
    { weight: 1, arbitrary: fc.constantFrom(MAX_CHAT_FRAME_BYTES + 1, 300_000).map((size) => Buffer.from(`{"type":"send","id":"big-frame-1","text":"${'x'.repeat(size)}"}`)) },
  ),
});

function schemaAccepts(schema: v.GenericSchema, payload: Buffer): boolean {
  try {
    return v.is(schema, JSON.parse(payload.toString('utf8')));
  } catch {
    return false;
  }
}

let errorLines: string[];
beforeEach(() => {
  errorLines = [];
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    errorLines.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stderr.write);
});
afterEach(() => vi.restoreAllMocks());

describe('every frame a peer sends on a data channel, fuzzed through the room’s dispatch', () => {
  test('never throws or fails inside; an invalid frame is counted as rejected and nothing is stored, acknowledged or fanned out', async () => {
    const setting = setUp();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(dataFrame, async ({ label, ppid, payload }) => {
        const before = { rejected: setting.rejected(), out: setting.fannedOut.length, acks: setting.acks.length, seq: setting.store.lastSeq('fuzz-room') };
        await setting.send(label, payload, ppid);
        const isText = ppid === PPID_STRING || ppid === PPID_STRING_EMPTY;
        const small = payload.length <= MAX_CHAT_FRAME_BYTES;
        const valid = label === 'chat' && isText && small && (schemaAccepts(chatUpFrameSchema, payload) || schemaAccepts(annotationUpFrameSchema, payload));
        if (!valid) {
          // `file` frames are not the room's to judge: mediasoup forwards them between peers, the room ignores them.
          expect(setting.rejected()).toBe(before.rejected + (label === 'chat' ? 1 : 0));
          expect(setting.fannedOut.length).toBe(before.out);
          expect(setting.acks.length).toBe(before.acks);
          expect(setting.store.lastSeq('fuzz-room')).toBe(before.seq);
        } else {
          accepted++;
          // A valid frame is handled once: stored or applied (one frame out), or refused for a counted reason.
          const out = setting.fannedOut.length - before.out;
          expect(out + (setting.rejected() - before.rejected)).toBeLessThanOrEqual(1);
        }
        for (const frame of setting.fannedOut.slice(before.out)) expect(() => JSON.parse(frame)).not.toThrow();
      }),
      { numRuns: 3_000 },
    );
    expect(accepted).toBeGreaterThan(100); // the near misses hit the valid side too
    expect(setting.chat.stats.stored).toBeGreaterThan(0);
    expect(setting.annotations.stats.applied).toBeGreaterThan(0);
    expect(errorLines.filter((line) => line.includes('ERROR'))).toEqual([]);
  });
});
