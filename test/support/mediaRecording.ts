import type { Page } from 'playwright-core';

/*
 * A real MediaRecorder recording made in the page: a 640×360 canvas with a moving square and a frame counter, drawn
 * from a timer (animation frames stall in a background page), plus a 440 Hz tone through WebAudio, recorded with
 * `start(timesliceMs)` like the app's recorder. Returns the chunks as MediaRecorder handed them over.
 */

export type RecordedChunks = {
  mimeType: string;
  chunks: Buffer[];
  /** For each chunk, when MediaRecorder handed it over (ms after start): what a recorder stores as its duration. */
  endsAtMs: number[];
  durationMs: number;
};

/** Records for `ms` in `page` (any page: about:blank will do) and returns the chunks. */
export async function recordInPage(page: Page, ms: number, timesliceMs = 1000): Promise<RecordedChunks> {
  const recorded = await page.evaluate(
    async ([length, timeslice]) => {
      const canvas = document.createElement('canvas');
      canvas.width = 640;
      canvas.height = 360;
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d context');
      let frame = 0;
      const draw = () => {
        frame++;
        context.fillStyle = '#203040';
        context.fillRect(0, 0, 640, 360);
        context.fillStyle = '#e04040';
        context.fillRect((frame * 7) % 600, 150, 40, 40);
        context.fillStyle = '#ffffff';
        context.font = '32px sans-serif';
        context.fillText(String(frame), 20, 40);
      };
      draw();
      const timer = setInterval(draw, 33);
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 440;
      const destination = audio.createMediaStreamDestination();
      tone.connect(destination);
      tone.start();
      const stream = new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...destination.stream.getAudioTracks()]);
      const mimeType = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'].find((type) => MediaRecorder.isTypeSupported(type)) ?? '';
      const recorder = new MediaRecorder(stream, { mimeType });
      const chunks: Blob[] = [];
      const endsAtMs: number[] = [];
      recorder.addEventListener('dataavailable', (event) => {
        chunks.push(event.data);
        endsAtMs.push(performance.now() - started);
      });
      const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve));
      const started = performance.now();
      recorder.start(timeslice);
      await new Promise((resolve) => setTimeout(resolve, length));
      recorder.stop();
      await stopped;
      const durationMs = performance.now() - started;
      clearInterval(timer);
      tone.stop();
      await audio.close();
      const base64 = await Promise.all(
        chunks.map(async (chunk) => {
          const bytes = new Uint8Array(await chunk.arrayBuffer());
          let binary = '';
          for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return btoa(binary);
        }),
      );
      return { mimeType: recorder.mimeType, chunks: base64, endsAtMs, durationMs };
    },
    [ms, timesliceMs] as const,
  );
  return { mimeType: recorded.mimeType, durationMs: recorded.durationMs, endsAtMs: recorded.endsAtMs, chunks: recorded.chunks.map((chunk) => Buffer.from(chunk, 'base64')) };
}
