import {
  ANNOTATION_MAX_POINTS,
  ANNOTATION_MAX_ROOM_POINTS,
  ANNOTATION_MAX_STROKES,
  ANNOTATION_STROKE_WEIGHT,
  type AnnotationDownFrame,
  type AnnotationOp,
  type ResponseData,
  type Stroke,
} from '../../shared/protocol/index.ts';

/*
 * The boards of a call as this page knows them, and how frames from the room's feed change them. Pure: every
 * function returns a new state (maps and arrays are never mutated, so signals see each change).
 */

export type Boards = ReadonlyMap<string, readonly Stroke[]>;

export type BoardState = {
  /** The newest revision applied: frames arrive on it in order, one after another. */
  readonly rev: number;
  readonly boards: Boards;
  /** Frames held while a snapshot is fetched (a gap, or the feed just opened), by rev. */
  readonly held: readonly AnnotationDownFrame[];
  /** A snapshot was asked for and not yet applied. */
  readonly awaitingSnapshot: boolean;
};

export const emptyBoardState: BoardState = { rev: 0, boards: new Map(), held: [], awaitingSnapshot: false };

/**
 * Applies one op by `author` to the boards, as the server did (it refused what breaks the rules, so this only has
 * to be idempotent and bounded the same way): a stroke op adds only the points the stroke lacks; an op on a stroke
 * of someone else, past a stroke's end, or beyond the limits changes nothing. Returns `boards` itself when nothing
 * changed.
 */
export function applyOp(boards: Boards, author: string, op: AnnotationOp): Boards {
  const strokes = boards.get(op.board);
  switch (op.kind) {
    case 'stroke': {
      const list = strokes ?? [];
      const index = list.findIndex((stroke) => stroke.id === op.strokeId);
      if (index < 0) {
        if (op.from !== 0 || list.length >= ANNOTATION_MAX_STROKES || op.points.length / 2 > ANNOTATION_MAX_POINTS) return boards;
        if (weightOf(boards) + ANNOTATION_STROKE_WEIGHT + op.points.length / 2 > ANNOTATION_MAX_ROOM_POINTS) return boards;
        const created: Stroke = { id: op.strokeId, author, color: op.color, width: op.width, points: [...op.points] };
        return withBoard(boards, op.board, [...list, created]);
      }
      const stroke = list[index]!;
      const have = stroke.points.length / 2;
      if (stroke.author !== author || op.from > have) return boards;
      const fresh = op.points.slice((have - op.from) * 2);
      if (fresh.length === 0 || have + fresh.length / 2 > ANNOTATION_MAX_POINTS) return boards;
      if (weightOf(boards) + fresh.length / 2 > ANNOTATION_MAX_ROOM_POINTS) return boards;
      const next = [...list];
      next[index] = { ...stroke, points: [...stroke.points, ...fresh] };
      return withBoard(boards, op.board, next);
    }
    case 'undo': {
      const stroke = strokes?.find((candidate) => candidate.id === op.strokeId);
      if (!strokes || !stroke || stroke.author !== author) return boards;
      return withBoard(boards, op.board, strokes.filter((candidate) => candidate !== stroke));
    }
    case 'clear':
      return strokes ? withBoard(boards, op.board, []) : boards;
  }
}

/** Removes a board (its share ended). */
export function dropBoard(boards: Boards, board: string): Boards {
  return boards.has(board) ? withBoard(boards, board, []) : boards;
}

/**
 * A frame from the room's feed. In order (`rev` is the next one) it is applied; one already applied is ignored; one
 * past a gap is held, and `needSnapshot` says to fetch the state (`annotationState`) and hand it to `receiveSnapshot`.
 */
export function receiveFrame(state: BoardState, frame: AnnotationDownFrame): { state: BoardState; needSnapshot: boolean } {
  if (state.awaitingSnapshot) return { state: hold(state, frame), needSnapshot: false };
  if (frame.rev <= state.rev) return { state, needSnapshot: false };
  if (frame.rev > state.rev + 1) return { state: { ...hold(state, frame), awaitingSnapshot: true }, needSnapshot: true };
  return { state: { ...state, rev: frame.rev, boards: applyOp(state.boards, frame.author, frame.op) }, needSnapshot: false };
}

/** A snapshot is on its way: frames from now on are held until it is applied. */
export function snapshotRequested(state: BoardState): BoardState {
  return { ...state, awaitingSnapshot: true };
}

/** The fetch failed: the held frames go (the next frame shows the gap they leave, and asks again). */
export function snapshotFailed(state: BoardState): BoardState {
  return { ...state, awaitingSnapshot: false, held: [] };
}

/**
 * The state at `snapshot.rev` replaces ours — also when its rev is lower than ours: the room started counting
 * afresh (a new meeting under the same name) — then the held frames past it are applied in order. `needSnapshot`:
 * the held frames still have a gap after it.
 */
export function receiveSnapshot(state: BoardState, snapshot: ResponseData<'annotationState'>): { state: BoardState; needSnapshot: boolean } {
  const boards = new Map<string, readonly Stroke[]>();
  for (const { board, strokes } of snapshot.boards) if (strokes.length) boards.set(board, strokes);
  const fresh: BoardState = { rev: snapshot.rev, boards, held: [], awaitingSnapshot: false };
  return replayHeld(fresh, state.held);
}

function replayHeld(state: BoardState, held: readonly AnnotationDownFrame[]): { state: BoardState; needSnapshot: boolean } {
  let current = state;
  let needSnapshot = false;
  // Past a gap, receiveFrame holds the rest again for the next snapshot.
  for (const frame of held) {
    const result = receiveFrame(current, frame);
    current = result.state;
    needSnapshot ||= result.needSnapshot;
  }
  return { state: current, needSnapshot };
}

function hold(state: BoardState, frame: AnnotationDownFrame): BoardState {
  if (state.held.some((held) => held.rev === frame.rev)) return state;
  return { ...state, held: [...state.held, frame].sort((a, b) => a.rev - b.rev) };
}

/** The ink on all boards, in points, as the server counts it (ANNOTATION_MAX_ROOM_POINTS). */
function weightOf(boards: Boards): number {
  let weight = 0;
  for (const strokes of boards.values()) for (const stroke of strokes) weight += ANNOTATION_STROKE_WEIGHT + stroke.points.length / 2;
  return weight;
}

function withBoard(boards: Boards, board: string, strokes: readonly Stroke[]): Boards {
  const next = new Map(boards);
  if (strokes.length) next.set(board, strokes);
  else next.delete(board);
  return next;
}
