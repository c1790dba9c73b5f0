import { describe, expect, it } from 'vitest';
import { pickMimeType } from './mimeType.ts';

const supports = (...types: string[]) => (type: string) => types.includes(type);

describe('pickMimeType', () => {
  it('takes VP9 + Opus WebM where Chromium offers everything (Debian build, measured)', () => {
    const chromium = supports(
      'video/webm;codecs=vp9,opus',
      'video/webm;codecs=vp8,opus',
      'video/webm;codecs=av1,opus',
      'video/webm',
      'video/mp4',
      'video/mp4;codecs=avc1,opus',
    );
    expect(pickMimeType(chromium)).toBe('video/webm;codecs=vp9,opus');
  });

  it('falls back to VP8, then plain WebM', () => {
    expect(pickMimeType(supports('video/webm;codecs=vp8,opus', 'video/webm'))).toBe('video/webm;codecs=vp8,opus');
    expect(pickMimeType(supports('video/webm', 'video/mp4'))).toBe('video/webm');
  });

  it('takes MP4 with H.264 and AAC on Safari, which records no WebM', () => {
    expect(pickMimeType(supports('video/mp4', 'video/mp4;codecs=avc1,mp4a.40.2'))).toBe('video/mp4;codecs=avc1,mp4a.40.2');
    expect(pickMimeType(supports('video/mp4', 'video/mp4;codecs=avc1,opus'))).toBe('video/mp4;codecs=avc1,opus');
    expect(pickMimeType(supports('video/mp4'))).toBe('video/mp4');
  });

  it('is null when nothing records, and survives a check that throws', () => {
    expect(pickMimeType(() => false)).toBeNull();
    expect(
      pickMimeType((type) => {
        if (type.includes('codecs')) throw new Error('cannot parse');
        return type === 'video/mp4';
      }),
    ).toBe('video/mp4');
  });
});
