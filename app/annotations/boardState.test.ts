import { describe, expect, test } from 'vitest';
import {
  ANNOTATION_MAX_POINTS,
  ANNOTATION_MAX_ROOM_POINTS,
  ANNOTATION_MAX_STROKES,
  ANNOTATION_STROKE_WEIGHT,
  type AnnotationDownFrame,
  type AnnotationOp,
} from '../../shared/protocol/index.ts';
import { applyOp, dropBoard, emptyBoardState, receiveFrame, receiveSnapshot, snapshotFailed, snapshotRequested, type BoardState } from './boardState.ts';

const stroke = (strokeId: string, from: number, points: number[], board = 'ann'): AnnotationOp => ({
  kind: 'stroke',
  board,
  strokeId,
  color: '#ffcc00',
  width: 20,
  from,
  points,
});
const frame = (rev: number, op: AnnotationOp, author = 'bob'): AnnotationDownFrame => ({ type: 'annotation', rev, author, op });
const pointsOf = (state: BoardState, board = 'ann') => state.boards.get(board)?.map((s) => [s.id, s.points]);

/** Feeds frames in the given order; returns the state and how many snapshots were asked for. */
function feed(frames: AnnotationDownFrame[], start: BoardState = emptyBoardState) {
  let state = start;
  let asked = 0;
  for (const next of frames) {
    const result = receiveFrame(state, next);
    state = result.state;
    if (result.needSnapshot) asked++;
  }
  return { state, asked };
}

describe('frames in rev order', () => {
  test('build strokes, and one applied again (a resend after an overflow) changes nothing', () => {
    const frames = [frame(1, stroke('stroke-001', 0, [1, 1, 2, 2])), frame(2, stroke('stroke-001', 2, [3, 3]))];
    const { state, asked } = feed([...frames, frames[1]!, frames[0]!]);
    expect(asked).toBe(0);
    expect(state.rev).toBe(2);
    expect(pointsOf(state)).toEqual([['stroke-001', [1, 1, 2, 2, 3, 3]]]);
  });

  test('the local person’s own ops applied early, then their echoes, give the same board once', () => {
    let boards = applyOp(new Map(), 'me', stroke('stroke-me', 0, [5, 5]));
    boards = applyOp(boards, 'me', stroke('stroke-me', 1, [6, 6]));
    const { state } = feed([frame(1, stroke('stroke-me', 0, [5, 5, 6, 6]), 'me')], { ...emptyBoardState, boards });
    expect(pointsOf(state)).toEqual([['stroke-me', [5, 5, 6, 6]]]);
  });

  test('undo removes the author’s stroke only; clear empties the board', () => {
    const { state } = feed([
      frame(1, stroke('stroke-bob', 0, [1, 1]), 'bob'),
      frame(2, stroke('stroke-cat', 0, [2, 2]), 'cat'),
      frame(3, { kind: 'undo', board: 'ann', strokeId: 'stroke-cat' }, 'bob'), // not Bob's: the server would refuse it
      frame(4, { kind: 'undo', board: 'ann', strokeId: 'stroke-bob' }, 'bob'),
    ]);
    expect(pointsOf(state)).toEqual([['stroke-cat', [2, 2]]]);
    const cleared = feed([frame(5, { kind: 'clear', board: 'ann' }, 'dan')], state).state;
    expect(cleared.boards.has('ann')).toBe(false);
    expect(dropBoard(state.boards, 'ann').has('ann')).toBe(false);
  });
});

describe('a gap', () => {
  test('holds later frames and asks for the state once; the snapshot and the held frames past it fill it', () => {
    const first = feed([frame(1, stroke('stroke-001', 0, [1, 1]))]).state;
    // Frames 2 and 3 were dropped on the way.
    const { state: waiting, asked } = feed([frame(4, stroke('stroke-002', 0, [9, 9])), frame(5, stroke('stroke-002', 1, [8, 8]))], first);
    expect(asked).toBe(1);
    expect(waiting.rev).toBe(1);
    expect(pointsOf(waiting)).toEqual([['stroke-001', [1, 1]]]);
    // The server answered at rev 4 (frame 4 included); frame 5 is applied after it.
    const snapshot = {
      rev: 4,
      boards: [
        {
          board: 'ann',
          strokes: [
            { id: 'stroke-001', author: 'bob', color: '#ffcc00' as const, width: 20, points: [1, 1, 2, 2, 3, 3] },
            { id: 'stroke-002', author: 'bob', color: '#ffcc00' as const, width: 20, points: [9, 9] },
          ],
        },
      ],
    };
    const { state, needSnapshot } = receiveSnapshot(waiting, snapshot);
    expect(needSnapshot).toBe(false);
    expect(state.rev).toBe(5);
    expect(pointsOf(state)).toEqual([
      ['stroke-001', [1, 1, 2, 2, 3, 3]],
      ['stroke-002', [9, 9, 8, 8]],
    ]);
    // Frames the snapshot covers, arriving late, are ignored.
    expect(feed([frame(3, stroke('stroke-001', 2, [3, 3])), frame(4, stroke('stroke-002', 0, [9, 9]))], state).state).toBe(state);
  });

  test('a late joiner’s snapshot (asked when the feed opens) discards frames at or below its rev', () => {
    const asking = snapshotRequested(emptyBoardState);
    const { state: held } = feed([frame(7, stroke('stroke-001', 0, [1, 1])), frame(8, stroke('stroke-001', 1, [2, 2]))], asking);
    const snapshot = { rev: 7, boards: [{ board: 'ann', strokes: [{ id: 'stroke-001', author: 'bob', color: '#ffcc00' as const, width: 20, points: [1, 1] }] }] };
    const { state } = receiveSnapshot(held, snapshot);
    expect(state.rev).toBe(8);
    expect(pointsOf(state)).toEqual([['stroke-001', [1, 1, 2, 2]]]);
  });

  test('a snapshot with a lower rev (the room started afresh) is taken as it is', () => {
    const old = feed([frame(1, stroke('stroke-001', 0, [1, 1])), frame(2, stroke('stroke-001', 1, [2, 2]))]).state;
    const { state } = receiveSnapshot(snapshotRequested(old), { rev: 0, boards: [] });
    expect(state).toMatchObject({ rev: 0, awaitingSnapshot: false });
    expect(state.boards.size).toBe(0);
    expect(feed([frame(1, stroke('stroke-new', 0, [4, 4]))], state).state.boards.get('ann')?.length).toBe(1);
  });

  test('a failed fetch lets the next frame ask again', () => {
    const waiting = feed([frame(3, stroke('stroke-001', 0, [1, 1]))]).state;
    const failed = snapshotFailed(waiting);
    expect(feed([frame(4, stroke('stroke-001', 1, [2, 2]))], failed).asked).toBe(1);
  });
});

describe('bounds', () => {
  test(`no board grows past ${ANNOTATION_MAX_STROKES} strokes, no stroke past ${ANNOTATION_MAX_POINTS} points`, () => {
    let boards = applyOp(new Map(), 'me', stroke('stroke-0', 0, [0, 0]));
    for (let i = 1; i <= ANNOTATION_MAX_STROKES; i++) boards = applyOp(boards, 'me', stroke(`stroke-${i}`, 0, [i, i]));
    expect(boards.get('ann')).toHaveLength(ANNOTATION_MAX_STROKES);
    let long = applyOp(new Map(), 'me', stroke('stroke-long', 0, [0, 0]));
    for (let i = 1; i <= ANNOTATION_MAX_POINTS; i++) long = applyOp(long, 'me', stroke('stroke-long', i, [i % 10_000, 1]));
    expect(long.get('ann')?.[0]?.points.length).toBe(ANNOTATION_MAX_POINTS * 2);
    // Past the end of a stroke: a hole is never bridged.
    expect(applyOp(boards, 'me', stroke('stroke-1', 5, [7, 7]))).toBe(boards);
  });

  test(`the room's ink stops at ${ANNOTATION_MAX_ROOM_POINTS} points, as on the server`, () => {
    const fill = Array.from({ length: 2 * (ANNOTATION_MAX_POINTS - 1) }, () => 5);
    let boards = applyOp(new Map(), 'me', stroke('stroke-a', 0, [0, 0]));
    const perStroke = ANNOTATION_MAX_POINTS + ANNOTATION_STROKE_WEIGHT;
    for (let i = 0; i < Math.floor(ANNOTATION_MAX_ROOM_POINTS / perStroke); i++) {
      boards = applyOp(boards, 'me', stroke(`stroke-${i}`, 0, [0, 0], `board-${i}`));
      boards = applyOp(boards, 'me', stroke(`stroke-${i}`, 1, fill, `board-${i}`));
    }
    const full = applyOp(boards, 'me', stroke('stroke-big', 0, fill, 'board-x'));
    expect(full).toBe(boards);
    expect(applyOp(boards, 'me', stroke('stroke-small', 0, [1, 1], 'board-x'))).not.toBe(boards);
  });
});
