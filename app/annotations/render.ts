import { ANNOTATION_SCALE, type Stroke } from '../../shared/protocol/index.ts';

/** Where the shared screen's picture sits, in the canvas's pixels (letterboxing excluded). */
export type PictureRect = { x: number; y: number; width: number; height: number };

/**
 * Draws strokes over a picture: shared by the overlay on each screen tile and the recording's compositor, so the
 * recording shows exactly what people see. Widths scale with the picture's width.
 */
export function drawStrokes(context: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, strokes: readonly Stroke[], rect: PictureRect): void {
  const sx = rect.width / ANNOTATION_SCALE;
  const sy = rect.height / ANNOTATION_SCALE;
  context.save();
  context.lineCap = 'round';
  context.lineJoin = 'round';
  for (const stroke of strokes) {
    const { points } = stroke;
    if (points.length < 2) continue;
    context.strokeStyle = stroke.color;
    context.fillStyle = stroke.color;
    context.lineWidth = Math.max(1, stroke.width * sx);
    const x0 = rect.x + (points[0] ?? 0) * sx;
    const y0 = rect.y + (points[1] ?? 0) * sy;
    if (points.length === 2) {
      // A tap: a dot as wide as the pen.
      context.beginPath();
      context.arc(x0, y0, context.lineWidth / 2, 0, Math.PI * 2);
      context.fill();
      continue;
    }
    context.beginPath();
    context.moveTo(x0, y0);
    for (let i = 2; i + 1 < points.length; i += 2) context.lineTo(rect.x + (points[i] ?? 0) * sx, rect.y + (points[i + 1] ?? 0) * sy);
    context.stroke();
  }
  context.restore();
}

/** The rectangle a picture of `source` size takes when fitted (letterboxed) into `box`. */
export function containRect(source: { width: number; height: number }, box: PictureRect): PictureRect {
  if (source.width <= 0 || source.height <= 0) return box;
  const scale = Math.min(box.width / source.width, box.height / source.height);
  const width = source.width * scale;
  const height = source.height * scale;
  return { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height };
}
