import {
  ANNOTATION_MAX_POINTS,
  ANNOTATION_MAX_ROOM_POINTS,
  ANNOTATION_MAX_STROKES,
  ANNOTATION_STROKE_WEIGHT,
  type AnnotationOp,
  type Stroke,
} from './protocol/index.ts';

/*
 * The rules of annotation boards, one copy for the server (which decides) and the pages (which replay what it
 * decided, and draw their own strokes before the echo comes back). Pure: an op returns new boards (maps and arrays
 * are never mutated, so signals see each change and a snapshot can hand the boards out as they are).
 */

/** Board (the sharer's peer id) → its strokes, in the order they were begun. A board without strokes is absent. */
export type Boards = ReadonlyMap<string, readonly Stroke[]>;

/** Why an op changed nothing. */
export type RefusalReason =
  /** A stroke id that belongs to someone else, or an undo of someone else's stroke. */
  | 'not_yours'
  | 'too_many_strokes'
  | 'too_many_points'
  /** The room holds as much ink as it may (ANNOTATION_MAX_ROOM_POINTS): clear or undo first. */
  | 'room_full'
  /** A stroke op starting past the stroke's end (an earlier op of it was lost): the hole cannot be filled. */
  | 'gap'
  /** An undo of a stroke that is not there (cleared already, or never was), a stroke op that adds nothing new, a clear of an empty board. */
  | 'no_change';

export type OpOutcome = { boards: Boards; refused?: undefined } | { boards?: undefined; refused: RefusalReason };

/**
 * Applies `author`'s op. A stroke op is idempotent: the points it repeats (from < what the stroke has) are there
 * already, only the rest is appended. Undo removes one of the author's own strokes; clear empties the board.
 */
export function applyAnnotationOp(boards: Boards, author: string, op: AnnotationOp): OpOutcome {
  const strokes = boards.get(op.board) ?? [];
  switch (op.kind) {
    case 'stroke': {
      const index = strokes.findIndex((stroke) => stroke.id === op.strokeId);
      if (index < 0) {
        if (op.from !== 0) return { refused: 'gap' };
        if (strokes.length >= ANNOTATION_MAX_STROKES) return { refused: 'too_many_strokes' };
        if (op.points.length / 2 > ANNOTATION_MAX_POINTS) return { refused: 'too_many_points' };
        if (inkOf(boards) + ANNOTATION_STROKE_WEIGHT + op.points.length / 2 > ANNOTATION_MAX_ROOM_POINTS) return { refused: 'room_full' };
        const created: Stroke = { id: op.strokeId, author, color: op.color, width: op.width, points: [...op.points] };
        return { boards: withBoard(boards, op.board, [...strokes, created]) };
      }
      const stroke = strokes[index]!;
      if (stroke.author !== author) return { refused: 'not_yours' };
      const have = stroke.points.length / 2;
      if (op.from > have) return { refused: 'gap' };
      const fresh = op.points.slice((have - op.from) * 2);
      if (fresh.length === 0) return { refused: 'no_change' };
      if (have + fresh.length / 2 > ANNOTATION_MAX_POINTS) return { refused: 'too_many_points' };
      if (inkOf(boards) + fresh.length / 2 > ANNOTATION_MAX_ROOM_POINTS) return { refused: 'room_full' };
      const next = [...strokes];
      next[index] = { ...stroke, points: [...stroke.points, ...fresh] };
      return { boards: withBoard(boards, op.board, next) };
    }
    case 'undo': {
      const stroke = strokes.find((candidate) => candidate.id === op.strokeId);
      if (!stroke) return { refused: 'no_change' };
      if (stroke.author !== author) return { refused: 'not_yours' };
      return { boards: withBoard(boards, op.board, strokes.filter((candidate) => candidate !== stroke)) };
    }
    case 'clear':
      return strokes.length ? { boards: withBoard(boards, op.board, []) } : { refused: 'no_change' };
  }
}

/** The boards without `board` (its share ended); `boards` itself when it held nothing. */
export function withoutBoard(boards: Boards, board: string): Boards {
  return boards.has(board) ? withBoard(boards, board, []) : boards;
}

/** The ink on all boards, in points, each stroke weighing ANNOTATION_STROKE_WEIGHT more (see ANNOTATION_MAX_ROOM_POINTS). */
export function inkOf(boards: Boards): number {
  let ink = 0;
  for (const strokes of boards.values()) for (const stroke of strokes) ink += ANNOTATION_STROKE_WEIGHT + stroke.points.length / 2;
  return ink;
}

function withBoard(boards: Boards, board: string, strokes: readonly Stroke[]): Boards {
  const next = new Map(boards);
  if (strokes.length) next.set(board, strokes);
  else next.delete(board);
  return next;
}
