import type { Page } from 'playwright-core';
import { waitUntil } from './poll.ts';

/**
 * Media of one's own for each test person: a camera that shows their colour and a microphone that plays their
 * tone. With Chromium's single fake device every person looks and sounds the same, so a stream landing in the
 * wrong tile, or a peer receiving its own stream back, would pass every check.
 */
export type PersonMedia = { colour: readonly [number, number, number]; pitchHz: number };

/** `chromium-fake`: Chromium's own fake camera and microphone (a test of encoder quality needs its real picture). */
export type MediaChoice = PersonMedia | 'chromium-fake';

/** Saturated colours far apart (they survive VP8 and YUV), and tones that are not harmonics of each other. */
export const MEDIA_OF = {
  Alice: { colour: [220, 40, 40], pitchHz: 440 },
  Bob: { colour: [40, 80, 230], pitchHz: 620 },
  Carol: { colour: [40, 190, 60], pitchHz: 830 },
  Dave: { colour: [230, 200, 30], pitchHz: 1_050 },
} as const satisfies Record<string, PersonMedia>;

/**
 * Runs in the page before its scripts (an init script): `getUserMedia` returns a canvas stream of the person's
 * colour and an oscillator of their pitch. The real `getUserMedia` is asked first with the same constraints, so
 * permission, missing devices and impossible constraints fail as they would; its tracks are stopped at once.
 * Tracks are real MediaStreamTracks, so `enabled = false` (mute: black or silent frames) works natively; `stop()`
 * also stops the drawing timer or the audio graph.
 */
export function fakeMediaInitScript(media: PersonMedia): void {
  const devices = navigator.mediaDevices;
  if (!devices?.getUserMedia) return; // not a secure context: nothing to replace
  const realGetUserMedia = devices.getUserMedia.bind(devices);

  /** exact > ideal > the default (limited by max/min), as a camera would pick. */
  const pick = (constraint: ConstrainULong | ConstrainDouble | undefined, fallback: number): number => {
    if (typeof constraint === 'number') return constraint;
    if (!constraint) return fallback;
    const chosen = constraint.exact ?? constraint.ideal ?? fallback;
    return Math.max(constraint.min ?? 0, Math.min(constraint.max ?? Infinity, chosen));
  };

  const onStop = (track: MediaStreamTrack, release: () => void) => {
    const stop = track.stop.bind(track);
    track.stop = () => {
      release();
      stop();
    };
  };

  const camera = (constraints: MediaTrackConstraints | true): MediaStreamTrack => {
    const wanted = constraints === true ? {} : constraints;
    const width = Math.round(pick(wanted.width, 1280));
    const height = Math.round(pick(wanted.height, 720));
    const fps = Math.min(30, pick(wanted.frameRate, 24));
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d')!;
    const [r, g, b] = media.colour;
    let frame = 0;
    // Moving blocks along the top and bottom edges give the encoder something to send; the centre stays the
    // person's plain colour, which is what the tests sample.
    const band = Math.round(height / 8);
    const draw = () => {
      frame++;
      context.fillStyle = `rgb(${r},${g},${b})`;
      context.fillRect(0, 0, width, height);
      const blocks = 32;
      const size = width / blocks;
      for (let i = 0; i < blocks; i++) {
        const shade = (i * 37 + frame * 11) % 256;
        context.fillStyle = `rgb(${shade},${255 - shade},${(shade * 3) % 256})`;
        context.fillRect(i * size, 0, size, band);
        context.fillRect(((i + frame) % blocks) * size, height - band, size, band);
      }
    };
    draw();
    // A timer, not animation frames: those stop in a page that is not visible.
    const timer = setInterval(draw, 1000 / fps);
    const track = canvas.captureStream(fps).getVideoTracks()[0]!;
    onStop(track, () => clearInterval(timer));
    return track;
  };

  const microphone = (): MediaStreamTrack => {
    const context = new AudioContext();
    const oscillator = context.createOscillator();
    oscillator.frequency.value = media.pitchHz;
    const gain = context.createGain();
    gain.gain.value = 0.3;
    const destination = context.createMediaStreamDestination();
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    const track = destination.stream.getAudioTracks()[0]!;
    onStop(track, () => void context.close());
    return track;
  };

  devices.getUserMedia = async (constraints?: MediaStreamConstraints): Promise<MediaStream> => {
    const real = await realGetUserMedia(constraints);
    for (const track of real.getTracks()) track.stop();
    const tracks: MediaStreamTrack[] = [];
    if (constraints?.audio) tracks.push(microphone());
    if (constraints?.video) tracks.push(camera(constraints.video));
    return new MediaStream(tracks);
  };
}

/** The colour at the centre of the picture a tile's <video> shows now ([0,0,0] before the first frame). */
export async function tileColour(page: Page, label: string): Promise<[number, number, number]> {
  return page.locator(`[aria-label="${label}"] video`).evaluate((video: HTMLVideoElement) => {
    if (!video.videoWidth) return [0, 0, 0] as [number, number, number];
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    context.drawImage(video, 0, 0);
    const [r = 0, g = 0, b = 0] = context.getImageData(video.videoWidth >> 1, video.videoHeight >> 1, 1, 1).data;
    return [r, g, b] as [number, number, number];
  });
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(...a.map((value, i) => value - (b[i] ?? 0)));
}

/** Resolves once the tile shows this person's colour (within what a video codec keeps of it). */
export async function expectTileShows(page: Page, label: string, media: PersonMedia, timeout = 15_000): Promise<void> {
  let seen: number[] = [];
  await waitUntil(
    async () => {
      seen = await tileColour(page, label);
      return distance(seen, media.colour) < 60;
    },
    `${label} to show rgb(${media.colour.join(',')})`,
    timeout,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; it shows rgb(${seen.join(',')})`);
  });
}

/**
 * The loudest frequency (Hz) in what the page plays from the person behind `label`'s tile: their <audio
 * data-peer> stream through an AnalyserNode. 0 when there is no playing stream or it is silent.
 */
export async function dominantPitch(page: Page, label: string): Promise<number> {
  const peerId = await page.locator(`[aria-label="${label}"]`).getAttribute('data-peer');
  return page.evaluate(async (peer) => {
    const audio = document.querySelector<HTMLAudioElement>(`audio[data-peer="${peer}"]`);
    const stream = audio?.srcObject;
    if (!(stream instanceof MediaStream) || audio?.paused) return 0;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    context.createMediaStreamSource(stream).connect(analyser);
    // Let the analyser's window fill with the stream (8192 samples at 48 kHz are 170 ms).
    await new Promise((resolve) => setTimeout(resolve, 400));
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    let loudest = 0;
    for (let i = 1; i < bins.length; i++) if ((bins[i] ?? -Infinity) > (bins[loudest] ?? -Infinity)) loudest = i;
    const level = bins[loudest] ?? -Infinity;
    const hz = (loudest * context.sampleRate) / analyser.fftSize;
    await context.close();
    return level > -60 ? hz : 0;
  }, peerId);
}

/** Resolves once the page plays this person's tone from their tile's person. */
export async function expectTileSounds(page: Page, label: string, media: PersonMedia, timeout = 15_000): Promise<void> {
  let heard = 0;
  await waitUntil(
    async () => {
      heard = await dominantPitch(page, label);
      return Math.abs(heard - media.pitchHz) < 20;
    },
    `${media.pitchHz} Hz from ${label}`,
    timeout,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; it plays ${Math.round(heard)} Hz`);
  });
}
