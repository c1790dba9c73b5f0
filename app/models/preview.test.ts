import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { joinWithCam, previewCam, takePreview, togglePreviewCam } from './preview.ts';

beforeEach(() => {
  joinWithCam.value = false; // the person turned the preview camera off earlier
  vi.stubGlobal('window', { isSecureContext: true });
});
afterEach(() => void vi.unstubAllGlobals());

describe('join screen preview', () => {
  test('a camera turned back on that opens only after Join is stopped, not left running', async () => {
    const track = { readyState: 'live', stop: () => void (track.readyState = 'ended') };
    let grant!: () => void;
    const granted = new Promise<void>((resolve) => (grant = resolve));
    vi.stubGlobal('navigator', {
      mediaDevices: {
        getUserMedia: async () => {
          await granted;
          return { getTracks: () => [track], getVideoTracks: () => [track] };
        },
      },
    });
    const opening = togglePreviewCam(); // Video on…
    const handedOver = takePreview(); // …and Join, before the camera opened
    grant();
    await opening;
    expect(handedOver.cam).toBeNull();
    expect(previewCam.value).toBeNull();
    expect(track.readyState).toBe('ended');
  });
});
