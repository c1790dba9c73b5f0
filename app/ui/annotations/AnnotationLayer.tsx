import { effect, useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ANNOTATION_SCALE } from '../../../shared/protocol/index.ts';
import { containRect, drawStrokes, type PictureRect } from '../../annotations/render.ts';
import { annotationActions, boards } from '../../models/annotations.ts';
import { AnnotationToolbar } from './AnnotationToolbar.tsx';
import './annotations.css';

/**
 * What people drew on one shared screen, over its tile, and — while **Draw** is on — a pen for finger or mouse.
 * Strokes are placed on the video's picture (its letterboxing left out), so they land where they were drawn on
 * every page whatever its tile's shape. `board`: the sharer's peer id (null until we know our own).
 */
export function AnnotationLayer({ board }: { board: string | null }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drawing = useSignal(false);
  const actions = annotationActions.value;

  useEffect(() => {
    const canvas = canvasRef.current;
    const video = canvas?.parentElement?.querySelector('video');
    if (!canvas || !video) return;
    let frame = 0;
    // Coalesced into one paint per animation frame: a stroke arrives as many small ops.
    const redraw = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        paint(canvas, video, board ? boards.peek().get(board) : undefined);
      });
    };
    const stop = effect(() => {
      void (board ? boards.value.get(board) : undefined);
      redraw();
    });
    const resized = new ResizeObserver(redraw);
    resized.observe(canvas);
    video.addEventListener('resize', redraw); // the shared window changed size: the picture moved
    video.addEventListener('loadedmetadata', redraw);
    return () => {
      stop();
      resized.disconnect();
      video.removeEventListener('resize', redraw);
      video.removeEventListener('loadedmetadata', redraw);
      cancelAnimationFrame(frame);
    };
  }, [board]);

  /** Pointer id → the stroke it draws. Several fingers draw several strokes. */
  const pens = useRef(new Map<number, string>());

  const onPointerDown = (event: PointerEvent) => {
    const canvas = canvasRef.current;
    if (!drawing.value || !board || !actions || !canvas || (event.pointerType === 'mouse' && event.button !== 0)) return;
    const point = normalised(canvas, event, false);
    if (!point) return; // on the letterbox, off the picture
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    pens.current.set(event.pointerId, actions.begin(board, point.x, point.y));
  };
  const onPointerMove = (event: PointerEvent) => {
    const strokeId = pens.current.get(event.pointerId);
    const canvas = canvasRef.current;
    if (strokeId === undefined || !actions || !canvas) return;
    // Every position the pointer went through since the last event, not just the newest: smooth fast strokes.
    for (const moved of event.getCoalescedEvents?.() ?? [event]) {
      const point = normalised(canvas, moved, true);
      if (point) actions.extend(strokeId, point.x, point.y);
    }
  };
  const onPointerEnd = (event: PointerEvent) => {
    const strokeId = pens.current.get(event.pointerId);
    if (strokeId === undefined) return;
    pens.current.delete(event.pointerId);
    actions?.end(strokeId);
  };

  return (
    <>
      <canvas
        ref={canvasRef}
        class={`annotation-canvas${drawing.value ? ' drawing' : ''}`}
        data-board={board ?? ''}
        aria-hidden="true"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
      />
      {board && actions && <AnnotationToolbar board={board} actions={actions} drawing={drawing} />}
    </>
  );
}

/** Where the video's picture sits in the canvas, in CSS pixels. */
function pictureRect(canvas: HTMLCanvasElement, video: HTMLVideoElement | null | undefined): PictureRect {
  const box = { x: 0, y: 0, width: canvas.clientWidth, height: canvas.clientHeight };
  return video ? containRect({ width: video.videoWidth, height: video.videoHeight }, box) : box;
}

function paint(canvas: HTMLCanvasElement, video: HTMLVideoElement, strokes: Parameters<typeof drawStrokes>[1] | undefined): void {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.round(canvas.clientWidth * ratio);
  const height = Math.round(canvas.clientHeight * ratio);
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext('2d');
  if (!context) return;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, width, height);
  if (!strokes?.length || !video.videoWidth) return;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  drawStrokes(context, strokes, pictureRect(canvas, video));
}

/** A pointer's position on the picture, normalised; off the picture: clamped to its edge, or null unless `clamp`. */
function normalised(canvas: HTMLCanvasElement, event: PointerEvent, clamp: boolean): { x: number; y: number } | null {
  const bounds = canvas.getBoundingClientRect();
  const rect = pictureRect(canvas, canvas.parentElement?.querySelector('video'));
  if (rect.width <= 0 || rect.height <= 0) return null;
  const x = ((event.clientX - bounds.left - rect.x) / rect.width) * ANNOTATION_SCALE;
  const y = ((event.clientY - bounds.top - rect.y) / rect.height) * ANNOTATION_SCALE;
  const inside = x >= 0 && x <= ANNOTATION_SCALE && y >= 0 && y <= ANNOTATION_SCALE;
  if (!inside && !clamp) return null;
  const fit = (value: number) => Math.round(Math.min(ANNOTATION_SCALE, Math.max(0, value)));
  return { x: fit(x), y: fit(y) };
}
