import { describe, expect, test } from 'vitest';
import { ANNOTATE_BURST, ANNOTATE_RATE_PER_SECOND, AnnotationService, annotateFrameOf, type AnnotatedRoom } from './service.ts';
import { RoomAnnotations } from './boards.ts';

/** A service on a fake clock, a room where Ann shares her screen, and the frames its feed sends. */
function setUp() {
  const clock = { now: 0 };
  const service = new AnnotationService(() => clock.now);
  const out: unknown[] = [];
  const sharers = new Set(['ann']);
  const room: AnnotatedRoom = {
    id: 'room',
    annotations: new RoomAnnotations(),
    sharing: (peerId) => sharers.has(peerId),
    send: (text) => (out.push(JSON.parse(text)), 3),
  };
  const bob = { id: 'bob' };
  let n = 0;
  const draw = (sender = bob, board = 'ann') =>
    service.receive(room, sender, {
      type: 'annotate',
      op: { kind: 'stroke', board, strokeId: `stroke-${String(n++).padStart(4, '0')}`, color: '#34c759', width: 20, from: 0, points: [10, 10] },
    });
  return { service, room, out, bob, draw, clock, sharers };
}

describe('annotate frames', () => {
  test('a valid op is applied, numbered and fanned out to the room', () => {
    const { service, out, draw } = setUp();
    expect(draw()).toBe(true);
    expect(out).toEqual([{ type: 'annotation', rev: 1, author: 'bob', op: expect.objectContaining({ kind: 'stroke', board: 'ann' }) }]);
    expect(service.stats.applied).toBe(1);
    expect(service.stats.delivered).toBe(3);
  });

  test('malformed ops are dropped and counted, and change nothing', () => {
    const { service, room, out, bob } = setUp();
    const valid = { kind: 'stroke', board: 'ann', strokeId: 'stroke-0001', color: '#34c759', width: 20, from: 0, points: [10, 10] };
    const bad = [
      { type: 'annotate' },
      { type: 'annotate', op: { ...valid, color: 'hotpink' } },
      { type: 'annotate', op: { ...valid, points: [10, 10, 10] } }, // not pairs
      { type: 'annotate', op: { ...valid, points: [10, 10_001] } }, // off the picture
      { type: 'annotate', op: { ...valid, points: [1.5, 2] } },
      { type: 'annotate', op: { ...valid, points: Array.from({ length: 130 }, () => 1) } }, // more than one op may carry
      { type: 'annotate', op: { ...valid, strokeId: 'has spaces!' } },
      { type: 'annotate', op: { kind: 'erase', board: 'ann' } },
    ];
    for (const frame of bad) expect(service.receive(room, bob, frame)).toBe(false);
    expect(service.stats.rejected.invalid).toBe(bad.length);
    expect(out).toEqual([]);
    expect(room.annotations.rev).toBe(0);
  });

  test('one peer’s flood is cut at its rate, and others still draw', () => {
    const { service, draw, clock, out } = setUp();
    let applied = 0;
    for (let i = 0; i < 1000; i++) if (draw()) applied++;
    expect(applied).toBe(ANNOTATE_BURST);
    expect(service.stats.rejected.rate_limited).toBe(1000 - ANNOTATE_BURST);
    clock.now += 1000;
    for (let i = 0; i < 1000; i++) if (draw()) applied++;
    expect(applied).toBe(ANNOTATE_BURST + ANNOTATE_RATE_PER_SECOND);
    expect(draw({ id: 'cat' })).toBe(true);
    expect(out).toHaveLength(applied + 1);
  });

  test('a peer cannot draw on a board with no live share', () => {
    const { service, draw, sharers, out } = setUp();
    expect(draw({ id: 'bob' }, 'bob')).toBe(false);
    sharers.delete('ann');
    expect(draw()).toBe(false);
    expect(service.stats.rejected.no_share).toBe(2);
    expect(out).toEqual([]);
  });

  test('after a feed overflow the newest frame goes out again', () => {
    const { service, room, out, draw } = setUp();
    service.resendNewest(room);
    expect(out).toEqual([]); // nothing drawn, nothing to resend
    draw();
    draw();
    service.resendNewest(room);
    expect(out.map((frame) => (frame as { rev: number }).rev)).toEqual([1, 2, 2]);
  });
});

describe('telling annotate frames from chat frames', () => {
  const frame = (value: unknown) => Buffer.from(JSON.stringify(value));
  test('only a text frame whose type is annotate is one', () => {
    expect(annotateFrameOf(frame({ type: 'annotate', op: {} }), true, 1000)).toEqual({ type: 'annotate', op: {} });
    expect(annotateFrameOf(frame({ type: 'annotate', op: {} }), false, 1000)).toBeUndefined();
    expect(annotateFrameOf(frame({ type: 'send', id: 'msg-0001', text: '"annotate"' }), true, 1000)).toBeUndefined();
    expect(annotateFrameOf(Buffer.from('{"type":"annotate",'), true, 1000)).toBeUndefined();
    expect(annotateFrameOf(frame({ type: 'annotate', op: 'x'.repeat(2000) }), true, 1000)).toBeUndefined();
  });
});
