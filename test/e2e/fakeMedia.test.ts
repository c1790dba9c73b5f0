import { describe, expect, test } from 'vitest';
import { openPhone } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { MEDIA_OF } from '../support/fakeMedia.ts';

/*
 * The tests' own camera and microphone (test/support/fakeMedia.ts) must behave as real devices do where the app
 * relies on it, or the tests that use them would prove nothing about the app.
 */

const env = useServerAndBrowser();

describe('a test person’s own camera and microphone', () => {
  test('honour video: false, size constraints, mute (enabled = false), stop(), and refuse an empty request', async () => {
    const { context, page } = await openPhone(env.browser, { media: MEDIA_OF.Alice });
    await page.goto(`${env.server.url}/r/devices`);
    const result = await page.evaluate(async () => {
      const devices = navigator.mediaDevices;
      const audioOnly = await devices.getUserMedia({ audio: true, video: false });
      const small = (await devices.getUserMedia({ video: { width: { exact: 640 }, height: { exact: 360 } } })).getVideoTracks()[0]!;
      const usual = (await devices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } } })).getVideoTracks()[0]!;
      const empty = await devices.getUserMedia({}).then(
        () => 'granted',
        (error: Error) => error.name,
      );

      /** The centre colour a <video> shows of this track, and the loudest level (dB) of an audio track. */
      const centre = async (track: MediaStreamTrack) => {
        const video = document.createElement('video');
        video.muted = true;
        video.srcObject = new MediaStream([track]);
        await video.play();
        // A few frames drawn since now: what the track sends at this moment, not an old frame.
        for (let frame = 0; frame < 3; frame++) await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const context2d = canvas.getContext('2d')!;
        context2d.drawImage(video, 0, 0);
        return [...context2d.getImageData(canvas.width >> 1, canvas.height >> 1, 1, 1).data.slice(0, 3)];
      };
      const level = async (track: MediaStreamTrack) => {
        const context = new AudioContext();
        const analyser = context.createAnalyser();
        context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
        await new Promise((resolve) => setTimeout(resolve, 400));
        const bins = new Float32Array(analyser.frequencyBinCount);
        analyser.getFloatFrequencyData(bins);
        await context.close();
        return Math.max(...bins);
      };
      const mic = audioOnly.getAudioTracks()[0]!;
      const sizes = { small: [small.getSettings().width, small.getSettings().height], usual: [usual.getSettings().width, usual.getSettings().height] };
      const shown = await centre(usual);
      const loud = await level(mic);
      usual.enabled = false;
      mic.enabled = false;
      const shownMuted = await centre(usual);
      const loudMuted = await level(mic);
      for (const track of [small, usual, mic]) track.stop();
      return {
        kinds: audioOnly.getTracks().map((track) => track.kind),
        ...sizes,
        empty,
        shown,
        shownMuted,
        loud,
        loudMuted,
        states: [small.readyState, usual.readyState, mic.readyState],
      };
    });
    expect(result.kinds).toEqual(['audio']);
    expect(result.small).toEqual([640, 360]);
    expect(result.usual).toEqual([1280, 720]);
    expect(result.empty).toBe('TypeError');
    expect(Math.hypot(...result.shown.map((value, i) => value - MEDIA_OF.Alice.colour[i]!))).toBeLessThan(10);
    expect(Math.max(...result.shownMuted)).toBeLessThan(20); // a disabled camera shows black
    expect(result.loud).toBeGreaterThan(-40);
    expect(result.loudMuted).toBeLessThan(-100); // a muted microphone is silent
    expect(result.states).toEqual(['ended', 'ended', 'ended']);
    await context.close();
  });
});
