/*
 * The recording's format, best first: WebM with VP9 (smaller at the same quality) or VP8 and Opus where the browser
 * can (Chromium, Firefox); MP4 where that is what it has (Safari). Chosen by asking the browser, never by its name.
 */
export const PREFERRED_TYPES = [
  'video/webm;codecs=vp9,opus',
  'video/webm;codecs=vp8,opus',
  'video/webm',
  'video/mp4;codecs=avc1,mp4a.40.2',
  'video/mp4;codecs=avc1,opus',
  'video/mp4',
] as const;

/** The first type `isSupported` (MediaRecorder.isTypeSupported) accepts, or null when it records none of them. */
export function pickMimeType(isSupported: (type: string) => boolean): string | null {
  for (const type of PREFERRED_TYPES) {
    try {
      if (isSupported(type)) return type;
    } catch {
      // An old engine throwing on a type it cannot parse: just not this one.
    }
  }
  return null;
}
