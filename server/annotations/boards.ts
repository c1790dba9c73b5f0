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

/** Why an op changed nothing and was not fanned out. */
export type RefusalReason =
  /** A stroke on a board whose screen is not shared (any more). */
  | 'no_share'
  /** A stroke id that belongs to someone else, or an undo of someone else's stroke. */
  | 'not_yours'
  | 'too_many_strokes'
  | 'too_many_points'
  /** The room holds as much ink as it may (ANNOTATION_MAX_ROOM_POINTS): clear or undo first. */
  | 'room_full'
  /** A stroke op starting past the stroke's end (an earlier op of it was dropped): the hole cannot be filled. */
  | 'gap'
  /** An undo of a stroke that is not there (cleared already, or never was), or a stroke op that adds nothing new. */
  | 'no_change';

export type ApplyResult = { applied: true; frame: AnnotationDownFrame } | { applied: false; reason: RefusalReason };

/**
 * One room's boards and its annotation revision. Each applied op bumps `rev` and becomes the down frame everyone
 * gets; a refused op changes nothing. Bounded: ANNOTATION_MAX_STROKES per board, ANNOTATION_MAX_POINTS per stroke,
 * ANNOTATION_MAX_ROOM_POINTS over the room, and at most one board per screen shared in the room.
 */
export class RoomAnnotations {
  /** Board (the sharer's peer id) → its strokes by id, in the order they were begun. */
  readonly #boards = new Map<string, Map<string, Stroke>>();
  #rev = 0;
  /** The ink held, in points (see ANNOTATION_MAX_ROOM_POINTS). */
  #weight = 0;
  /** The last frame fanned out, for `resendNewest`: resending it is harmless (receivers dedupe by `rev`). */
  #newest: AnnotationDownFrame | undefined;

  get rev(): number {
    return this.#rev;
  }

  get newest(): AnnotationDownFrame | undefined {
    return this.#newest;
  }

  /**
   * Applies `author`'s op. `sharing(peerId)` says whether that peer shares a screen now: strokes go only on the
   * board of a live share (undo and clear need no share, there is simply nothing to remove once it ended).
   */
  apply(author: string, op: AnnotationOp, sharing: (peerId: string) => boolean): ApplyResult {
    const board = this.#boards.get(op.board);
    switch (op.kind) {
      case 'stroke': {
        if (!sharing(op.board)) return refused('no_share');
        const strokes = board ?? new Map<string, Stroke>();
        const stroke = strokes.get(op.strokeId);
        if (!stroke) {
          if (op.from !== 0) return refused('gap');
          if (strokes.size >= ANNOTATION_MAX_STROKES) return refused('too_many_strokes');
          if (op.points.length / 2 > ANNOTATION_MAX_POINTS) return refused('too_many_points');
          const weight = ANNOTATION_STROKE_WEIGHT + op.points.length / 2;
          if (this.#weight + weight > ANNOTATION_MAX_ROOM_POINTS) return refused('room_full');
          this.#weight += weight;
          strokes.set(op.strokeId, { id: op.strokeId, author, color: op.color, width: op.width, points: [...op.points] });
          this.#boards.set(op.board, strokes);
          return this.#applied(author, op);
        }
        if (stroke.author !== author) return refused('not_yours');
        const have = stroke.points.length / 2;
        if (op.from > have) return refused('gap');
        // Idempotent: the points this op repeats (from < have) are there already; only the rest is appended.
        const fresh = op.points.slice((have - op.from) * 2);
        if (fresh.length === 0) return refused('no_change');
        if (have + fresh.length / 2 > ANNOTATION_MAX_POINTS) return refused('too_many_points');
        if (this.#weight + fresh.length / 2 > ANNOTATION_MAX_ROOM_POINTS) return refused('room_full');
        this.#weight += fresh.length / 2;
        stroke.points.push(...fresh);
        return this.#applied(author, op);
      }
      case 'undo': {
        const stroke = board?.get(op.strokeId);
        if (!board || !stroke) return refused('no_change');
        if (stroke.author !== author) return refused('not_yours');
        board.delete(op.strokeId);
        this.#weight -= weightOf(stroke);
        if (board.size === 0) this.#boards.delete(op.board);
        return this.#applied(author, op);
      }
      case 'clear': {
        if (!board) return refused('no_change');
        this.#drop(op.board);
        return this.#applied(author, op);
      }
    }
  }

  /**
   * The share behind `board` ended (its screen producer closed, or its sharer left): the board goes. Returns the
   * `clear` frame to fan out when it held strokes, so pages that missed the end of the share drop them too.
   */
  dropBoard(board: string): AnnotationDownFrame | undefined {
    if (!this.#drop(board)) return undefined;
    return this.#stamp(board, { kind: 'clear', board });
  }

  /** Every board with strokes, at the current revision (the `annotationState` reply). */
  snapshot(): ResponseData<'annotationState'> {
    const boards = [...this.#boards].map(([board, strokes]) => ({
      board,
      strokes: [...strokes.values()].map((stroke) => ({ ...stroke, points: [...stroke.points] })),
    }));
    return { rev: this.#rev, boards };
  }

  /** How many strokes the room holds over all its boards (for tests and metrics). */
  get strokeCount(): number {
    let count = 0;
    for (const strokes of this.#boards.values()) count += strokes.size;
    return count;
  }

  /** The ink held over all boards, in points (each stroke weighing ANNOTATION_STROKE_WEIGHT more). */
  get weight(): number {
    return this.#weight;
  }

  #drop(board: string): boolean {
    const strokes = this.#boards.get(board);
    if (!strokes) return false;
    for (const stroke of strokes.values()) this.#weight -= weightOf(stroke);
    this.#boards.delete(board);
    return true;
  }

  #applied(author: string, op: AnnotationOp): ApplyResult {
    return { applied: true, frame: this.#stamp(author, op) };
  }

  #stamp(author: string, op: AnnotationOp): AnnotationDownFrame {
    this.#rev++;
    this.#newest = { type: 'annotation', rev: this.#rev, author, op };
    return this.#newest;
  }
}

function weightOf(stroke: Stroke): number {
  return ANNOTATION_STROKE_WEIGHT + stroke.points.length / 2;
}

function refused(reason: RefusalReason): ApplyResult {
  return { applied: false, reason };
}
