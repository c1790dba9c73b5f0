import { describe, expect, test } from 'vitest';
import {
  ANNOTATION_MAX_POINTS,
  ANNOTATION_MAX_ROOM_POINTS,
  ANNOTATION_MAX_STROKES,
  ANNOTATION_STROKE_WEIGHT,
  type AnnotationOp,
} from '../../shared/protocol/index.ts';
import { RoomAnnotations } from './boards.ts';

const RED = '#ff2d55';
const sharing = (...peers: string[]) => (peerId: string) => peers.includes(peerId);
const stroke = (strokeId: string, from: number, points: number[], board = 'ann'): AnnotationOp => ({
  kind: 'stroke',
  board,
  strokeId,
  color: RED,
  width: 20,
  from,
  points,
});

describe('strokes', () => {
  test('grow by appending from their end, and an op sent again changes nothing', () => {
    const boards = new RoomAnnotations();
    expect(boards.apply('bob', stroke('stroke-001', 0, [1, 1, 2, 2]), sharing('ann'))).toMatchObject({ applied: true, frame: { rev: 1 } });
    expect(boards.apply('bob', stroke('stroke-001', 2, [3, 3]), sharing('ann'))).toMatchObject({ applied: true, frame: { rev: 2 } });
    // Resent (a reconnect): refused as no change, no new revision, points not doubled.
    expect(boards.apply('bob', stroke('stroke-001', 2, [3, 3]), sharing('ann'))).toEqual({ applied: false, reason: 'no_change' });
    expect(boards.apply('bob', stroke('stroke-001', 0, [1, 1, 2, 2]), sharing('ann'))).toEqual({ applied: false, reason: 'no_change' });
    // Overlapping: only the new tail is added.
    expect(boards.apply('bob', stroke('stroke-001', 2, [3, 3, 4, 4]), sharing('ann')).applied).toBe(true);
    expect(boards.rev).toBe(3);
    expect(boards.snapshot()).toEqual({
      rev: 3,
      boards: [{ board: 'ann', strokes: [{ id: 'stroke-001', author: 'bob', color: RED, width: 20, points: [1, 1, 2, 2, 3, 3, 4, 4] }] }],
    });
  });

  test('go only on the board of a live share', () => {
    const boards = new RoomAnnotations();
    expect(boards.apply('bob', stroke('stroke-001', 0, [1, 1]), sharing())).toEqual({ applied: false, reason: 'no_share' });
    expect(boards.apply('bob', stroke('stroke-001', 0, [1, 1], 'bob'), sharing('ann'))).toEqual({ applied: false, reason: 'no_share' });
    expect(boards.snapshot()).toEqual({ rev: 0, boards: [] });
  });

  test('a stroke op past the stroke’s end, or extending someone else’s stroke, is refused', () => {
    const boards = new RoomAnnotations();
    expect(boards.apply('bob', stroke('stroke-001', 3, [1, 1]), sharing('ann'))).toEqual({ applied: false, reason: 'gap' });
    boards.apply('bob', stroke('stroke-001', 0, [1, 1]), sharing('ann'));
    expect(boards.apply('bob', stroke('stroke-001', 2, [5, 5]), sharing('ann'))).toEqual({ applied: false, reason: 'gap' });
    expect(boards.apply('cat', stroke('stroke-001', 1, [9, 9]), sharing('ann'))).toEqual({ applied: false, reason: 'not_yours' });
    expect(boards.snapshot().boards[0]?.strokes[0]?.points).toEqual([1, 1]);
  });
});

describe('limits', () => {
  test(`a board holds at most ${ANNOTATION_MAX_STROKES} strokes`, () => {
    const boards = new RoomAnnotations();
    for (let i = 0; i < ANNOTATION_MAX_STROKES; i++) expect(boards.apply('bob', stroke(`stroke-${i}-xx`, 0, [i, i]), sharing('ann')).applied).toBe(true);
    expect(boards.apply('bob', stroke('stroke-one-more', 0, [1, 1]), sharing('ann'))).toEqual({ applied: false, reason: 'too_many_strokes' });
    expect(boards.strokeCount).toBe(ANNOTATION_MAX_STROKES);
    // Another share's board has its own budget.
    expect(boards.apply('bob', stroke('stroke-other', 0, [1, 1], 'cat'), sharing('ann', 'cat')).applied).toBe(true);
  });

  test(`a stroke holds at most ${ANNOTATION_MAX_POINTS} points`, () => {
    const boards = new RoomAnnotations();
    const op = (from: number) => stroke('stroke-long', from, Array.from({ length: 128 }, () => 7));
    let from = 0;
    while (from + 64 <= ANNOTATION_MAX_POINTS) {
      expect(boards.apply('bob', op(from), sharing('ann')).applied).toBe(true);
      from += 64;
    }
    expect(boards.apply('bob', op(from), sharing('ann'))).toEqual({ applied: false, reason: 'too_many_points' });
    expect(boards.snapshot().boards[0]?.strokes[0]?.points.length).toBe(from * 2);
  });

  test(`a room holds at most ${ANNOTATION_MAX_ROOM_POINTS} points of ink, so its state stays small; undo and clear give it back`, () => {
    const boards = new RoomAnnotations();
    const long = (board: string, index: number) => {
      const id = `stroke-${board}-${index}`;
      for (let from = 0; from < ANNOTATION_MAX_POINTS; from += 64) {
        const points = Array.from({ length: 2 * Math.min(64, ANNOTATION_MAX_POINTS - from) }, () => 10_000);
        const result = boards.apply('bob', stroke(id, from, points, board), sharing('ann', 'cat'));
        if (!result.applied) return result.reason;
      }
      return 'applied';
    };
    const perStroke = ANNOTATION_MAX_POINTS + ANNOTATION_STROKE_WEIGHT;
    const fit = Math.floor(ANNOTATION_MAX_ROOM_POINTS / perStroke);
    for (let i = 0; i < fit; i++) expect(long(i % 2 ? 'cat' : 'ann', i)).toBe('applied');
    expect(long('cat', fit)).toBe('room_full');
    expect(boards.weight).toBeLessThanOrEqual(ANNOTATION_MAX_ROOM_POINTS);
    // The state a late joiner fetches, at its largest (every coordinate five digits), stays about half a megabyte.
    expect(JSON.stringify(boards.snapshot()).length).toBeLessThan(600_000);
    expect(boards.apply('bob', { kind: 'clear', board: 'ann' }, sharing('ann', 'cat')).applied).toBe(true);
    expect(boards.dropBoard('cat')).toBeDefined();
    expect(boards.weight).toBe(0);
    expect(long('ann', 99)).toBe('applied');
  });
});

describe('undo and clear', () => {
  test('undo removes only the author’s own stroke', () => {
    const boards = new RoomAnnotations();
    boards.apply('bob', stroke('stroke-bob', 0, [1, 1]), sharing('ann'));
    boards.apply('cat', stroke('stroke-cat', 0, [2, 2]), sharing('ann'));
    expect(boards.apply('cat', { kind: 'undo', board: 'ann', strokeId: 'stroke-bob' }, sharing('ann'))).toEqual({ applied: false, reason: 'not_yours' });
    expect(boards.apply('bob', { kind: 'undo', board: 'ann', strokeId: 'stroke-bob' }, sharing('ann'))).toMatchObject({
      applied: true,
      frame: { type: 'annotation', rev: 3, author: 'bob', op: { kind: 'undo' } },
    });
    expect(boards.apply('bob', { kind: 'undo', board: 'ann', strokeId: 'stroke-bob' }, sharing('ann'))).toEqual({ applied: false, reason: 'no_change' });
    expect(boards.snapshot().boards[0]?.strokes.map((s) => s.id)).toEqual(['stroke-cat']);
  });

  test('clear empties the board for anyone; an empty board is refused as no change', () => {
    const boards = new RoomAnnotations();
    boards.apply('bob', stroke('stroke-bob', 0, [1, 1]), sharing('ann'));
    expect(boards.apply('cat', { kind: 'clear', board: 'ann' }, sharing('ann')).applied).toBe(true);
    expect(boards.apply('cat', { kind: 'clear', board: 'ann' }, sharing('ann'))).toEqual({ applied: false, reason: 'no_change' });
    expect(boards.snapshot()).toEqual({ rev: 2, boards: [] });
  });

  test('a share that ends drops its board with a clear frame, once', () => {
    const boards = new RoomAnnotations();
    boards.apply('bob', stroke('stroke-bob', 0, [1, 1]), sharing('ann'));
    expect(boards.dropBoard('ann')).toEqual({ type: 'annotation', rev: 2, author: 'ann', op: { kind: 'clear', board: 'ann' } });
    expect(boards.dropBoard('ann')).toBeUndefined();
    expect(boards.newest?.rev).toBe(2);
    expect(boards.snapshot()).toEqual({ rev: 2, boards: [] });
  });
});
