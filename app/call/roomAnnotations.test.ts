import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ANNOTATION_POINTS_PER_OP, type AnnotationDownFrame, type AnnotationOp, type ResponseData } from '../../shared/protocol/index.ts';
import { boards, penColor, selfPeerId } from '../models/annotations.ts';
import { clearParticipants, upsertParticipant } from '../models/participants.ts';
import type { ChatLink } from '../net/chatChannel.ts';
import { routeFeedFrame } from './feedFrames.ts';
import { RoomAnnotations, SEND_EVERY_MS } from './roomAnnotations.ts';

/** Our chat DataProducer: records the annotate ops handed to it. */
function fakeLink(): ChatLink & { ops: AnnotationOp[] } {
  const ops: AnnotationOp[] = [];
  return { ops, isOpen: true, bufferedAmount: 0, send: (frame) => void ops.push(JSON.parse(frame).op), drained: async () => {} };
}

function setUp(snapshot: ResponseData<'annotationState'> = { rev: 0, boards: [] }) {
  const fetches: number[] = [];
  let ids = 0;
  const annotations = new RoomAnnotations({
    fetchState: async () => (fetches.push(Date.now()), snapshot),
    newStrokeId: () => `stroke-${String(++ids).padStart(4, '0')}`,
  });
  const link = fakeLink();
  annotations.linkOpened(link);
  return { annotations, link, fetches };
}

const frame = (rev: number, op: AnnotationOp, author = 'bob'): AnnotationDownFrame => ({ type: 'annotation', rev, author, op });
const stroke = (strokeId: string, from: number, points: number[]): AnnotationOp => ({
  kind: 'stroke',
  board: 'ann',
  strokeId,
  color: '#0a84ff',
  width: 80,
  from,
  points,
});

beforeEach(() => {
  vi.useFakeTimers();
  selfPeerId.value = 'me';
  upsertParticipant('ann', { name: 'Ann', screen: {} as MediaStreamTrack });
});
afterEach(() => {
  vi.useRealTimers();
  clearParticipants();
});

describe('the local pen', () => {
  test('shows at once, and goes out in batches: at most one op per interval, each with at most the points one op may carry', async () => {
    const { annotations, link } = setUp();
    penColor.value = '#34c759';
    const id = annotations.begin('ann', 0, 0);
    for (let i = 1; i < 200; i++) annotations.extend(id, i, i);
    // All 200 points are on the board now, before the server has seen any.
    expect(boards.value.get('ann')?.[0]).toMatchObject({ id, author: 'me', color: '#34c759' });
    expect(boards.value.get('ann')?.[0]?.points).toHaveLength(400);
    await vi.advanceTimersByTimeAsync(0);
    expect(link.ops).toHaveLength(4); // 200 points: 64 + 64 + 64 + 8
    for (const op of link.ops) if (op.kind === 'stroke') expect(op.points.length).toBeLessThanOrEqual(ANNOTATION_POINTS_PER_OP * 2);
    expect(link.ops.map((op) => (op.kind === 'stroke' ? op.from : -1))).toEqual([0, 64, 128, 192]);
    // A pointer moving on: nothing goes out before the interval is over, then one op with what gathered.
    for (let i = 0; i < 5; i++) annotations.extend(id, 500 + i, 500);
    await vi.advanceTimersByTimeAsync(SEND_EVERY_MS - 5);
    expect(link.ops).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(10);
    expect(link.ops.at(-1)).toMatchObject({ kind: 'stroke', from: 200, points: [500, 500, 501, 500, 502, 500, 503, 500, 504, 500] });
    annotations.close();
  });

  test('its echoes change nothing; Undo takes the newest own stroke off, not someone else’s', async () => {
    const { annotations, link } = setUp();
    const id = annotations.begin('ann', 10, 10);
    annotations.extend(id, 20, 20);
    annotations.end(id);
    annotations.receive(frame(1, stroke('stroke-bob', 0, [1, 1])));
    annotations.receive(frame(2, stroke(id, 0, [10, 10, 20, 20]), 'me'));
    expect(boards.value.get('ann')?.map((s) => [s.id, s.points])).toEqual([
      [id, [10, 10, 20, 20]],
      ['stroke-bob', [1, 1]],
    ]);
    annotations.undo('ann');
    expect(link.ops.at(-1)).toEqual({ kind: 'undo', board: 'ann', strokeId: id });
    expect(boards.value.get('ann')?.map((s) => s.id)).toEqual(['stroke-bob']);
    annotations.undo('ann'); // nothing of ours left
    expect(link.ops.filter((op) => op.kind === 'undo')).toHaveLength(1);
    annotations.close();
  });
});

describe('the feed', () => {
  test('a gap fetches the state; the share ending clears the board', async () => {
    const snapshot = { rev: 3, boards: [{ board: 'ann', strokes: [{ id: 'stroke-bob', author: 'bob', color: '#0a84ff' as const, width: 80, points: [1, 1, 2, 2, 3, 3] }] }] };
    const { annotations, fetches } = setUp(snapshot);
    annotations.receive(frame(1, stroke('stroke-bob', 0, [1, 1])));
    expect(fetches).toHaveLength(0);
    annotations.receive(frame(3, stroke('stroke-bob', 2, [3, 3])));
    await vi.advanceTimersByTimeAsync(0);
    expect(fetches).toHaveLength(1);
    expect(boards.value.get('ann')?.[0]?.points).toEqual([1, 1, 2, 2, 3, 3]);

    upsertParticipant('ann', { screen: null });
    expect(boards.value.has('ann')).toBe(false);
    annotations.close();
  });

  test('frames are routed by type: annotations to annotations, everything else to chat as it came', () => {
    const chat: unknown[] = [];
    const annotation: unknown[] = [];
    const to = { chat: (raw: unknown) => chat.push(raw), annotation: (parsed: unknown) => annotation.push(parsed) };
    const message = JSON.stringify({ type: 'message', message: { seq: 1, id: 'msg-0001', peerId: 'a', name: 'annotation', text: '"annotation"' } });
    routeFeedFrame(message, to);
    routeFeedFrame('{"type":"annotation",', to);
    routeFeedFrame(JSON.stringify(frame(1, stroke('stroke-bob', 0, [1, 1]))), to);
    expect(chat).toEqual([message, '{"type":"annotation",']);
    expect(annotation).toEqual([frame(1, stroke('stroke-bob', 0, [1, 1]))]);
  });
});
