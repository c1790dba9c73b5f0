import { applyAnnotationOp, withoutBoard, type Boards } from '../../shared/annotationBoards.ts';
import type { AnnotationDownFrame, AnnotationOp, ResponseData, Stroke } from '../../shared/protocol/index.ts';

/*
 * The boards of a call as this page knows them, and how frames from the room's feed change them. Pure: every
 * function returns a new state (maps and arrays are never mutated, so signals see each change).
 */

export type { Boards };

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
 * Applies one op by `author` to the boards, as the server did (shared/annotationBoards.ts: the same rules, so
 * replaying what the server applied gives what it holds). Returns `boards` itself when nothing changed.
 */
export function applyOp(boards: Boards, author: string, op: AnnotationOp): Boards {
  return applyAnnotationOp(boards, author, op).boards ?? boards;
}

/** Removes a board (its share ended). */
export const dropBoard = withoutBoard;

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
