import { signal } from '@preact/signals';
import type { AnnotationColor, Stroke } from '../../shared/protocol/index.ts';

/*
 * What people drew on shared screens, for the overlay over each screen tile and for the recording's compositor.
 * Boards are named by the sharer's server peer id; the local person's participant is SELF_ID in `participants`,
 * so look boards up through `boardOf(participantId)`, never by the participant id directly.
 */

/** Every board with strokes, by the sharer's peer id. Replaced (never mutated) on change. */
export const boards = signal<ReadonlyMap<string, readonly Stroke[]>>(new Map());
/** This page's own peer id on the server, once joined (boards of our own screen are named by it). */
export const selfPeerId = signal<string | null>(null);
/** The pen the local person draws with. */
export const penColor = signal<AnnotationColor>('#ff2d55');

/** The board id of a participant's screen (`participants` keys, SELF_ID included). */
export function boardOf(participantId: string, selfParticipantId: string): string | null {
  return participantId === selfParticipantId ? selfPeerId.value : participantId;
}

/** What the drawing UI asks of the call (set during a call). Points are normalised (0..ANNOTATION_SCALE). */
export interface AnnotationActions {
  /** Starts a stroke on a board with the current pen; returns its id for `extend`/`end`. */
  begin(board: string, x: number, y: number): string;
  extend(strokeId: string, x: number, y: number): void;
  end(strokeId: string): void;
  /** Removes the local person's newest stroke on the board. */
  undo(board: string): void;
  clear(board: string): void;
}

export const annotationActions = signal<AnnotationActions | null>(null);

export function resetAnnotations(): void {
  boards.value = new Map();
  selfPeerId.value = null;
  annotationActions.value = null;
}
