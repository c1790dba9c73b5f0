import * as v from 'valibot';
import { idSchema } from './primitives.ts';

/*
 * Annotations: people draw on a shared screen. Each shared screen has one board, named by the peer id of the person
 * sharing it; it is emptied when that share ends. Operations travel on the room's data channel (the same channel as
 * chat, see chat.ts): a peer sends an `annotate` frame up on its `chat` DataProducer, the server validates it,
 * applies it to the room's boards, numbers it with the room's annotation revision `rev`, and sends it down to every
 * peer (the author too) on the room's feed. mediasoup may drop a frame toward a peer whose SCTP buffer is full, so
 * a receiver that sees a gap in `rev` (or a late joiner) fetches the whole state with `annotationState`.
 *
 * Coordinates are normalised to the shared screen's picture (not the tile: letterboxing excluded), as integers
 * 0..ANNOTATION_SCALE, so every page draws a stroke at the same place whatever its tile's size.
 */

/** Normalised coordinates are integers 0..ANNOTATION_SCALE (x: left → right, y: top → bottom). */
export const ANNOTATION_SCALE = 10_000;
/** The pen colours offered; a stroke carries one of them. */
export const ANNOTATION_COLORS = ['#ff2d55', '#ffcc00', '#34c759', '#0a84ff', '#ffffff'] as const;
/** Most points one `stroke` op may add; a longer stroke is sent in several ops. */
export const ANNOTATION_POINTS_PER_OP = 64;
/** Most points one stroke may have, and most strokes one board may hold: the server refuses beyond them. */
export const ANNOTATION_MAX_POINTS = 4_000;
export const ANNOTATION_MAX_STROKES = 500;
/**
 * Most ink a room may hold over all its boards, in points, each stroke counting ANNOTATION_STROKE_WEIGHT more for
 * its id, author and pen: keeps the `annotationState` reply under about half a megabyte (the server cuts a
 * signaling socket that has 1 MiB unsent), and every page's redraw cheap.
 */
export const ANNOTATION_MAX_ROOM_POINTS = 40_000;
export const ANNOTATION_STROKE_WEIGHT = 16;

const coordinateSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(ANNOTATION_SCALE));
export const annotationColorSchema = v.picklist(ANNOTATION_COLORS);
export type AnnotationColor = v.InferOutput<typeof annotationColorSchema>;
/** Made by the author when the stroke begins (a UUID or similar). */
export const strokeIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]{8,64}$/, 'A stroke id is 8–64 letters, digits or dashes'));
/** Pen width in normalised units of the picture's width (ANNOTATION_SCALE = the whole width). */
const strokeWidthSchema = v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(200));

/**
 * The operations on a board. `stroke` adds `points` (x, y, x, y, …) to a stroke starting at point index `from`,
 * creating the stroke when `from` is 0: sent again, it changes nothing (idempotent). `undo` removes one of the
 * author's own strokes; `clear` empties the board.
 */
export const annotationOpSchema = v.variant('kind', [
  v.object({
    kind: v.literal('stroke'),
    board: idSchema,
    strokeId: strokeIdSchema,
    color: annotationColorSchema,
    width: strokeWidthSchema,
    from: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(ANNOTATION_MAX_POINTS)),
    points: v.pipe(
      v.array(coordinateSchema),
      v.minLength(2, 'A stroke op adds at least one point'),
      v.maxLength(ANNOTATION_POINTS_PER_OP * 2, `A stroke op adds at most ${ANNOTATION_POINTS_PER_OP} points`),
      v.check((points) => points.length % 2 === 0, 'Points come in x, y pairs'),
    ),
  }),
  v.object({ kind: v.literal('undo'), board: idSchema, strokeId: strokeIdSchema }),
  v.object({ kind: v.literal('clear'), board: idSchema }),
]);
export type AnnotationOp = v.InferOutput<typeof annotationOpSchema>;

/** One stroke as stored: its points are (x, y) pairs, normalised. */
export const strokeSchema = v.object({
  id: strokeIdSchema,
  author: idSchema,
  color: annotationColorSchema,
  width: strokeWidthSchema,
  points: v.array(coordinateSchema),
});
export type Stroke = v.InferOutput<typeof strokeSchema>;

/** Client → server on the peer's `chat` DataProducer (JSON text). */
export const annotationUpFrameSchema = v.object({ type: v.literal('annotate'), op: annotationOpSchema });
export type AnnotationUpFrame = v.InferOutput<typeof annotationUpFrameSchema>;

/** Server → every peer on the room's feed: the op as applied, by whom, and the room's revision after it. */
export const annotationDownFrameSchema = v.object({
  type: v.literal('annotation'),
  rev: v.pipe(v.number(), v.integer(), v.minValue(1)),
  author: idSchema,
  op: annotationOpSchema,
});
export type AnnotationDownFrame = v.InferOutput<typeof annotationDownFrameSchema>;

/** Every board of the room, drawn so far, at revision `rev`: a late joiner's start and a receiver's gap repair. */
export const annotationState = {
  request: v.object({}),
  response: v.object({
    rev: v.pipe(v.number(), v.integer(), v.minValue(0)),
    boards: v.array(v.object({ board: idSchema, strokes: v.array(strokeSchema) })),
  }),
};
