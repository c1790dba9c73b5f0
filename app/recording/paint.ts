import { containRect, type PictureRect } from '../annotations/render.ts';
import type { Rect } from './layout.ts';

/* Drawing one tile of the recording: the picture (fitted or cropped), or the person's initials, and their name. */

type Context = CanvasRenderingContext2D;

export const BACKGROUND = '#111318';
const TILE_BACKGROUND = '#23262d';
const AVATAR = '#3a4150';
const TEXT = '#f2f3f5';

/** Draws a picture letterboxed into `rect` (nothing cut off: a shared screen's edges matter); returns where it went. */
export function drawContained(context: Context, video: HTMLVideoElement, rect: Rect): PictureRect {
  const picture = containRect({ width: video.videoWidth, height: video.videoHeight }, rect);
  context.drawImage(video, picture.x, picture.y, picture.width, picture.height);
  return picture;
}

/** Draws a camera picture filling `rect`, cropping its edges (a thumbnail looks better full than letterboxed). */
export function drawCovered(context: Context, video: HTMLVideoElement, rect: Rect): void {
  const { videoWidth: width, videoHeight: height } = video;
  const scale = Math.max(rect.width / width, rect.height / height);
  const cropWidth = rect.width / scale;
  const cropHeight = rect.height / scale;
  context.drawImage(video, (width - cropWidth) / 2, (height - cropHeight) / 2, cropWidth, cropHeight, rect.x, rect.y, rect.width, rect.height);
}

export function fillTile(context: Context, rect: Rect): void {
  context.fillStyle = TILE_BACKGROUND;
  context.fillRect(rect.x, rect.y, rect.width, rect.height);
}

/** "Ada Lovelace" → "AL"; what a tile shows while the person's camera is off. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words.at(-1)] : [words[0]];
  return letters.map((word) => [...(word ?? '')][0]?.toUpperCase() ?? '').join('') || '?';
}

export function drawInitials(context: Context, name: string, rect: Rect): void {
  const radius = Math.min(rect.width, rect.height) * 0.22;
  const cx = rect.x + rect.width / 2;
  const cy = rect.y + rect.height / 2;
  context.fillStyle = AVATAR;
  context.beginPath();
  context.arc(cx, cy, radius, 0, Math.PI * 2);
  context.fill();
  context.fillStyle = TEXT;
  context.font = `600 ${Math.round(radius * 0.9)}px system-ui, sans-serif`;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.fillText(initialsOf(name), cx, cy);
}

/** The person's name at the bottom left of their tile, on a dark band so it reads over any picture. */
export function drawName(context: Context, label: string, rect: Rect): void {
  const size = Math.max(10, Math.round(Math.min(rect.height * 0.11, 22)));
  const pad = Math.round(size * 0.4);
  context.font = `500 ${size}px system-ui, sans-serif`;
  context.textAlign = 'left';
  context.textBaseline = 'middle';
  const text = fitText(context, label, rect.width - 4 * pad);
  const width = context.measureText(text).width + 2 * pad;
  const height = size + pad;
  const x = rect.x + pad;
  const y = rect.y + rect.height - height - pad;
  context.fillStyle = 'rgba(0, 0, 0, 0.55)';
  context.fillRect(x, y, width, height);
  context.fillStyle = TEXT;
  context.fillText(text, x + pad, y + height / 2);
}

function fitText(context: Context, text: string, maxWidth: number): string {
  if (context.measureText(text).width <= maxWidth) return text;
  let cut = text;
  while (cut.length > 1 && context.measureText(`${cut}…`).width > maxWidth) cut = cut.slice(0, -1);
  return `${cut}…`;
}
