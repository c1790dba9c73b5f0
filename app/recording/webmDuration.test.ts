import { describe, expect, test } from 'vitest';
import { isWebm, webmHeaderWithDuration } from './webmDuration.ts';

/*
 * Hand-made EBML in the shapes the rewrite must handle. A real MediaRecorder file is rewritten and checked with
 * ffprobe in test/e2e/webm-duration.test.ts.
 */

const bytes = (...parts: (number[] | Uint8Array)[]) => new Uint8Array(parts.flatMap((part) => [...part]));
/** An element with a 1-byte size (data under 127 bytes). */
const element = (id: number[], ...data: (number[] | Uint8Array)[]) => {
  const body = bytes(...data);
  return bytes(id, [0x80 | body.length], body);
};
const UNKNOWN_SIZE = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const ebmlHeader = element([0x1a, 0x45, 0xdf, 0xa3], element([0x42, 0x82], [...'webm'].map((c) => c.charCodeAt(0))));
const timecodeScale = (ns: number) => element([0x2a, 0xd7, 0xb1], [(ns >> 16) & 0xff, (ns >> 8) & 0xff, ns & 0xff]);
const muxingApp = element([0x4d, 0x80], [...'Chrome'].map((c) => c.charCodeAt(0)));
const info = (...children: Uint8Array[]) => element([0x15, 0x49, 0xa9, 0x66], ...children);
const tracks = element([0x16, 0x54, 0xae, 0x6b], element([0xae], element([0xd7], [1])));
const clusterStart = bytes([0x1f, 0x43, 0xb6, 0x75], UNKNOWN_SIZE, [0xe7, 0x81, 0x00]);

/** The Duration (as a float in TimecodeScale units) in a header, found by its id and 8-byte size. */
function durationIn(header: Uint8Array): number | undefined {
  for (let i = 0; i + 11 <= header.length; i++) {
    if (header[i] === 0x44 && header[i + 1] === 0x89 && header[i + 2] === 0x88) return new DataView(header.buffer, header.byteOffset + i + 3, 8).getFloat64(0);
  }
  return undefined;
}

describe('a WebM header with a duration', () => {
  test("MediaRecorder's layout (unknown-size Segment, Info without Duration): Duration added, the rest follows unchanged", () => {
    const infoElement = info(timecodeScale(1_000_000), muxingApp);
    const file = bytes(ebmlHeader, [0x18, 0x53, 0x80, 0x67], UNKNOWN_SIZE, infoElement, tracks, clusterStart);
    const { header, resumeAt } = webmHeaderWithDuration(file, 10_014);
    const infoEnd = ebmlHeader.length + 12 + infoElement.length;
    expect(resumeAt).toBe(infoEnd);
    expect(header.length).toBe(infoEnd + 11);
    expect(durationIn(header)).toBe(10_014);
    // Everything before Info as it was, then Info grown by the Duration's 11 bytes, its children kept.
    expect(header.subarray(0, ebmlHeader.length + 12)).toEqual(file.subarray(0, ebmlHeader.length + 12));
    expect(header.subarray(ebmlHeader.length + 12, ebmlHeader.length + 17)).toEqual(bytes([0x15, 0x49, 0xa9, 0x66, 0x80 | (infoElement.length - 5 + 11)]));
    expect(isWebm(bytes(header, file.subarray(resumeAt)))).toBe(true);
  });

  test('Duration is counted in TimecodeScale units, and a Duration already there is replaced, not doubled', () => {
    const oldDuration = bytes([0x44, 0x89, 0x84], [0x40, 0x00, 0x00, 0x00]);
    const file = bytes(ebmlHeader, [0x18, 0x53, 0x80, 0x67], UNKNOWN_SIZE, info(timecodeScale(100_000), oldDuration, muxingApp), clusterStart);
    const { header } = webmHeaderWithDuration(file, 2_500);
    expect(durationIn(header)).toBe(25_000);
    expect(header.filter((_, i) => header[i] === 0x44 && header[i + 1] === 0x89)).toHaveLength(1);
  });

  test('a Segment of known size grows by as much as Info did, in the same width', () => {
    const rest = bytes(info(timecodeScale(1_000_000)), tracks);
    const file = bytes(ebmlHeader, [0x18, 0x53, 0x80, 0x67], [0x40 | 0, rest.length], rest);
    const { header, resumeAt } = webmHeaderWithDuration(file, 1_000);
    expect(header.subarray(ebmlHeader.length + 4, ebmlHeader.length + 6)).toEqual(bytes([0x40, rest.length + 11]));
    expect(header.length - resumeAt).toBe(11 + 0);
  });

  test('refused in words: a SeekHead (its offsets would move), a header cut short, and what is not WebM', () => {
    const seekHead = element([0x11, 0x4d, 0x9b, 0x74], element([0x4d, 0xbb], element([0x53, 0xac], [0x20])));
    const withSeekHead = bytes(ebmlHeader, [0x18, 0x53, 0x80, 0x67], UNKNOWN_SIZE, seekHead, info(timecodeScale(1_000_000)), clusterStart);
    expect(() => webmHeaderWithDuration(withSeekHead, 1_000)).toThrow('This WebM has a SeekHead: its offsets would move, so it is saved as it is.');
    const whole = bytes(ebmlHeader, [0x18, 0x53, 0x80, 0x67], UNKNOWN_SIZE, info(timecodeScale(1_000_000), muxingApp), clusterStart);
    expect(() => webmHeaderWithDuration(whole.subarray(0, ebmlHeader.length + 20), 1_000)).toThrow('The WebM header ends early: give more of the first chunk.');
    const mp4 = bytes([0, 0, 0, 0x20], [...'ftypisom'].map((c) => c.charCodeAt(0)));
    expect(isWebm(mp4)).toBe(false);
    expect(() => webmHeaderWithDuration(mp4, 1_000)).toThrow('Not WebM: the file does not begin with an EBML header.');
    expect(() => webmHeaderWithDuration(whole, Number.NaN)).toThrow('A duration of NaN ms cannot be written.');
  });
});
