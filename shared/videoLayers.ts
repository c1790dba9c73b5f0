/**
 * The simulcast spatial layer a picture drawn `width` device pixels wide needs, for a camera sending 320, 640 and
 * 1 280 px layers (app/call/localMedia.ts CAMERA_ENCODINGS): a layer wider than what is drawn is wasted bytes.
 * @example spatialLayerForWidth(300) // → 0
 */
export function spatialLayerForWidth(width: number): number {
  if (width <= 320) return 0;
  if (width <= 640) return 1;
  return 2;
}
