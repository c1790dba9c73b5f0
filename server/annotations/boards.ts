import { applyAnnotationOp, inkOf, withoutBoard, type Boards, type RefusalReason as BoardRefusal } from '../../shared/annotationBoards.ts';
import type { AnnotationDownFrame, AnnotationOp, ResponseData } from '../../shared/protocol/index.ts';

/** Why an op changed nothing and was not fanned out: a board rule (shared/annotationBoards.ts), or no live share. */
export type RefusalReason =
  /** A stroke on a board whose screen is not shared (any more). */
  | 'no_share'
  | BoardRefusal;

export type ApplyResult = { applied: true; frame: AnnotationDownFrame } | { applied: false; reason: RefusalReason };

/**
 * One room's boards and its annotation revision. Each applied op bumps `rev` and becomes the down frame everyone
 * gets; a refused op changes nothing. Bounded: ANNOTATION_MAX_STROKES per board, ANNOTATION_MAX_POINTS per stroke,
 * ANNOTATION_MAX_ROOM_POINTS over the room, and at most one board per screen shared in the room.
 */
export class RoomAnnotations {
  #boards: Boards = new Map();
  #rev = 0;
  /** The last frame fanned out, for `resendNewest`: resending it is harmless (receivers dedupe by `rev`). */
  #newest: AnnotationDownFrame | undefined;

  get rev(): number {
    return this.#rev;
  }

  get newest(): AnnotationDownFrame | undefined {
    return this.#newest;
  }

  /**
   * Applies `author`'s op by the board rules. `sharing(peerId)` says whether that peer shares a screen now: strokes
   * go only on the board of a live share (undo and clear need no share, there is simply nothing to remove once it
   * ended).
   */
  apply(author: string, op: AnnotationOp, sharing: (peerId: string) => boolean): ApplyResult {
    if (op.kind === 'stroke' && !sharing(op.board)) return { applied: false, reason: 'no_share' };
    const outcome = applyAnnotationOp(this.#boards, author, op);
    if (outcome.refused) return { applied: false, reason: outcome.refused };
    this.#boards = outcome.boards;
    return { applied: true, frame: this.#stamp(author, op) };
  }

  /**
   * The share behind `board` ended (its screen producer closed, or its sharer left): the board goes. Returns the
   * `clear` frame to fan out when it held strokes, so pages that missed the end of the share drop them too.
   */
  dropBoard(board: string): AnnotationDownFrame | undefined {
    if (!this.#boards.has(board)) return undefined;
    this.#boards = withoutBoard(this.#boards, board);
    return this.#stamp(board, { kind: 'clear', board });
  }

  /** Every board with strokes, at the current revision (the `annotationState` reply; boards are never mutated). */
  snapshot(): ResponseData<'annotationState'> {
    return { rev: this.#rev, boards: [...this.#boards].map(([board, strokes]) => ({ board, strokes: [...strokes] })) };
  }

  /** How many strokes the room holds over all its boards (for tests and metrics). */
  get strokeCount(): number {
    let count = 0;
    for (const strokes of this.#boards.values()) count += strokes.length;
    return count;
  }

  /** The ink held over all boards, in points (each stroke weighing ANNOTATION_STROKE_WEIGHT more). */
  get weight(): number {
    return inkOf(this.#boards);
  }

  #stamp(author: string, op: AnnotationOp): AnnotationDownFrame {
    this.#rev++;
    this.#newest = { type: 'annotation', rev: this.#rev, author, op };
    return this.#newest;
  }
}
