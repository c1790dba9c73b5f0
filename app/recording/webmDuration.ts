/*
 * MediaRecorder's WebM has no Duration (it cannot know it while streaming), so players show no length and cannot
 * seek. Only the header needs to change: Duration goes into Segment/Info, and since MediaRecorder writes the Segment
 * with an unknown size, nothing after Info moves in a way anything points at — unless a SeekHead points past Info,
 * which MediaRecorder never writes (refused below). So a save writes a new header and then the stored bytes from the
 * old header's end, as they are, never holding the file. Pure: the service worker imports it.
 *
 * Matroska: https://www.matroska.org/technical/elements.html — EBML: RFC 8794.
 */

const EBML_HEADER = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const SEEK_HEAD = 0x114d9b74;
const INFO = 0x1549a966;
const CLUSTER = 0x1f43b675;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
/** Matroska's default TimecodeScale: 1 ms in ns. */
const DEFAULT_TIMECODE_SCALE = 1_000_000;

/** The new header and where the original continues after it. */
export type WebmHeaderRewrite = {
  /** Bytes to write first, in place of the original's [0, resumeAt). */
  header: Uint8Array;
  /** Offset in the original file from which its bytes follow the header unchanged. */
  resumeAt: number;
};

/** Why a header cannot be rewritten, in words. */
export class WebmHeaderError extends Error {
  override readonly name = 'WebmHeaderError';
}

type Element = { id: number; start: number; dataStart: number; size: number | undefined; end: number | undefined };

/** An EBML variable-size integer at `offset`: its length in bytes and value (undefined = all ones = unknown size). */
function readVint(bytes: Uint8Array, offset: number, keepMarker: boolean): { length: number; value: number | undefined } {
  const first = bytes[offset];
  if (first === undefined) throw new WebmHeaderError('The WebM header ends early: give more of the first chunk.');
  const length = Math.clz32(first) - 23;
  if (length < 1 || length > 8) throw new WebmHeaderError(`Not WebM: a malformed element at byte ${offset}.`);
  if (offset + length > bytes.length) throw new WebmHeaderError('The WebM header ends early: give more of the first chunk.');
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i++) {
    const byte = bytes[offset + i] ?? 0;
    allOnes &&= byte === 0xff;
    value = value * 256 + byte;
  }
  return { length, value: !keepMarker && allOnes ? undefined : value };
}

function readElement(bytes: Uint8Array, start: number): Element {
  const id = readVint(bytes, start, true);
  if (id.length > 4) throw new WebmHeaderError(`Not WebM: a malformed element id at byte ${start}.`);
  const size = readVint(bytes, start + id.length, false);
  const dataStart = start + id.length + size.length;
  return { id: id.value ?? 0, start, dataStart, size: size.value, end: size.value === undefined ? undefined : dataStart + size.value };
}

/** A size as an EBML vint of exactly `length` bytes (the width it had, so nothing else shifts); undefined if it does not fit. */
function sizeVint(value: number, length: number): Uint8Array | undefined {
  if (value >= 2 ** (7 * length) - 1) return undefined;
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  out[0] = (out[0] ?? 0) | (0x80 >> (length - 1));
  return out;
}

/** The smallest vint for `value`. */
function minimalSizeVint(value: number): Uint8Array {
  for (let length = 1; length <= 8; length++) {
    const vint = sizeVint(value, length);
    if (vint) return vint;
  }
  throw new WebmHeaderError('An element too large for EBML.');
}

function idBytes(id: number): Uint8Array {
  const length = id > 0xffffff ? 4 : id > 0xffff ? 3 : id > 0xff ? 2 : 1;
  return new Uint8Array(Array.from({ length }, (_, i) => Math.floor(id / 256 ** (length - 1 - i)) % 256));
}

function readUint(bytes: Uint8Array, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) value = value * 256 + (bytes[i] ?? 0);
  return value;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether the bytes begin a WebM/Matroska file (an EBML header). */
export function isWebm(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && readUint(bytes, 0, 4) === EBML_HEADER;
}

/**
 * The header of a MediaRecorder WebM with `Duration` set to `durationMs`, given the file's first bytes (chunk 0, or
 * its first few KB: the header is a few hundred bytes). Any Duration already there is replaced.
 *
 * @example const { header, resumeAt } = webmHeaderWithDuration(firstBytes, 10_014); // write header, then bytes from resumeAt on
 */
export function webmHeaderWithDuration(bytes: Uint8Array, durationMs: number): WebmHeaderRewrite {
  if (!(durationMs >= 0) || !Number.isFinite(durationMs)) throw new WebmHeaderError(`A duration of ${durationMs} ms cannot be written.`);
  if (!isWebm(bytes)) throw new WebmHeaderError('Not WebM: the file does not begin with an EBML header.');
  const ebml = readElement(bytes, 0);
  if (ebml.end === undefined) throw new WebmHeaderError('Not WebM: the EBML header has no size.');
  const segment = readElement(bytes, ebml.end);
  if (segment.id !== SEGMENT) throw new WebmHeaderError('Not WebM: no Segment after the EBML header.');

  // Top-level elements up to Info; anything that points at offsets (a SeekHead) would be wrong once Info grows.
  let info: Element | undefined;
  for (let offset = segment.dataStart; !info; ) {
    const child = readElement(bytes, offset);
    if (child.id === SEEK_HEAD) throw new WebmHeaderError('This WebM has a SeekHead: its offsets would move, so it is saved as it is.');
    if (child.id === CLUSTER) throw new WebmHeaderError('This WebM has no Info before its first Cluster.');
    if (child.end === undefined) throw new WebmHeaderError('An element of unknown size before Info.');
    if (child.id === INFO) info = child;
    else offset = child.end;
  }
  if (info.end === undefined || info.end > bytes.length) throw new WebmHeaderError('The WebM header ends early: give more of the first chunk.');

  // Info's children, without any Duration; TimecodeScale says in which unit Duration is counted.
  const kept: Uint8Array[] = [];
  let timecodeScale = DEFAULT_TIMECODE_SCALE;
  for (let offset = info.dataStart; offset < info.end; ) {
    const child = readElement(bytes, offset);
    if (child.end === undefined || child.end > info.end) throw new WebmHeaderError('A malformed element inside Info.');
    if (child.id === TIMECODE_SCALE) timecodeScale = readUint(bytes, child.dataStart, child.end) || DEFAULT_TIMECODE_SCALE;
    if (child.id !== DURATION) kept.push(bytes.subarray(child.start, child.end));
    offset = child.end;
  }
  const duration = new Uint8Array(11);
  duration.set([0x44, 0x89, 0x88]);
  new DataView(duration.buffer).setFloat64(3, (durationMs * 1_000_000) / timecodeScale);
  const infoData = concat([...kept, duration]);
  const newInfo = concat([idBytes(INFO), minimalSizeVint(infoData.length), infoData]);

  // A Segment of known size grows by as much as Info did, written in its own width; MediaRecorder's is unknown.
  let segmentHead = bytes.subarray(segment.start, segment.dataStart);
  if (segment.size !== undefined) {
    const idLength = readVint(bytes, segment.start, true).length;
    const sizeLength = segment.dataStart - segment.start - idLength;
    const grown = sizeVint(segment.size + newInfo.length - (info.end - info.start), sizeLength);
    if (!grown) throw new WebmHeaderError('The Segment size has no room to grow.');
    segmentHead = concat([bytes.subarray(segment.start, segment.start + idLength), grown]);
  }
  const header = concat([bytes.subarray(0, segment.start), segmentHead, bytes.subarray(segment.dataStart, info.start), newInfo]);
  return { header, resumeAt: info.end };
}
