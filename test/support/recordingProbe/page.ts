/*
 * Runs in a page (bundled by ./bundle.ts): a real MediaRecorder recording of a canvas and a tone, and the app's
 * recording store (app/storage/recordingStore.ts) it is written into chunk by chunk as a recorder does, exposed as
 * `window.recordingProbe` so tests drive them exactly.
 */
import { recordingDownloadUrl, type RecordingMeta } from '../../../app/recording/ports.ts';
import { openRecordingStore, type IdbRecordingStore } from '../../../app/storage/recordingStore.ts';

type Recording = { mimeType: string; stop(): Promise<number> };

/**
 * A 640×360 canvas with a moving square and a frame counter, drawn from a timer (animation frames stall in a
 * background page), and a 440 Hz tone through WebAudio, recorded with `start(timesliceMs)`. `onChunk` gets each
 * chunk with when it was handed over (ms after start). `stop` resolves with the length recorded (ms).
 */
function startCanvasRecording(timesliceMs: number, onChunk: (data: Blob, endsAtMs: number) => void): Recording {
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
  const mimeType = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm', 'video/mp4'].find((type) => MediaRecorder.isTypeSupported(type)) ?? '';
  const recorder = new MediaRecorder(stream, { mimeType });
  const started = performance.now();
  recorder.addEventListener('dataavailable', (event) => onChunk(event.data, performance.now() - started));
  const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve));
  recorder.start(timesliceMs);
  return {
    mimeType: recorder.mimeType,
    async stop() {
      recorder.stop();
      await stopped;
      const length = performance.now() - started;
      clearInterval(timer);
      tone.stop();
      await audio.close();
      return length;
    },
  };
}

async function base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

let opened: Promise<IdbRecordingStore> | undefined;
const store = () =>
  (opened ??= openRecordingStore().then((found) => {
    if (!found) throw new Error('no IndexedDB');
    return found;
  }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records into the store as the app's recorder does: create, then each chunk at once with its sequence number. */
async function recordIntoStore(id: string, room: string): Promise<Recording> {
  const recordings = await store();
  let seq = 0;
  const writes: Promise<void>[] = [];
  const recording = startCanvasRecording(1000, (data, endsAtMs) => {
    const called = performance.now();
    const write = recordings.putChunk(id, seq++, data, endsAtMs);
    figures.longestPutCallMs = Math.max(figures.longestPutCallMs, performance.now() - called);
    writes.push(write.then(() => void (figures.longestPutMs = Math.max(figures.longestPutMs, performance.now() - called))));
  });
  await recordings.create({ id, room, mimeType: recording.mimeType, startedAt: Date.now() });
  return {
    mimeType: recording.mimeType,
    async stop() {
      const length = await recording.stop();
      await Promise.all(writes);
      await recordings.finish(id, length);
      return length;
    },
  };
}

/** Measured while recording into the store: how long a putChunk call held the thread, and took to be stored. */
const figures = { longestPutCallMs: 0, longestPutMs: 0, longestTimerGapMs: 0 };

/** The longest gap between ticks of a 10 ms timer from now until the returned function is called. */
function watchTimerGaps(): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    figures.longestTimerGapMs = Math.max(figures.longestTimerGapMs, now - last);
    last = now;
  }, 10);
  return () => clearInterval(timer);
}

const probe = {
  /** Records for `ms` and returns the chunks (base64) as MediaRecorder handed them over. */
  async record(ms: number, timesliceMs = 1000): Promise<{ mimeType: string; chunks: string[]; endsAtMs: number[]; durationMs: number }> {
    const chunks: Blob[] = [];
    const endsAtMs: number[] = [];
    const recording = startCanvasRecording(timesliceMs, (data, endsAt) => {
      chunks.push(data);
      endsAtMs.push(endsAt);
    });
    await sleep(ms);
    const durationMs = await recording.stop();
    return { mimeType: recording.mimeType, chunks: await Promise.all(chunks.map(base64)), endsAtMs, durationMs };
  },
  /** Records into the store for `ms`, then stops; resolves with the stored meta. */
  async recordIntoStore(id: string, room: string, ms: number): Promise<RecordingMeta | undefined> {
    const stopWatching = watchTimerGaps();
    const recording = await recordIntoStore(id, room);
    await sleep(ms);
    await recording.stop();
    stopWatching();
    return (await store()).get(id);
  },
  /**
   * A large recording made of a real one: its chunk 0, then its later chunks over and over until `bytes` are
   * stored. Not playable past the first chunks (timestamps repeat), but the size of a long meeting.
   */
  async storeLarge(id: string, room: string, bytes: number): Promise<RecordingMeta | undefined> {
    const chunks: Blob[] = [];
    const recording = startCanvasRecording(1000, (data) => void chunks.push(data));
    await sleep(2_500);
    await recording.stop();
    const [first, ...later] = chunks;
    if (!first || later.length === 0) throw new Error('the recording made too few chunks');
    const recordings = await store();
    await recordings.create({ id, room, mimeType: recording.mimeType, startedAt: Date.now() });
    let stored = 0;
    for (let seq = 0; stored < bytes; seq++) {
      const chunk = seq === 0 ? first : (later[(seq - 1) % later.length] as Blob);
      await recordings.putChunk(id, seq, chunk, (seq + 1) * 1000);
      stored += chunk.size;
    }
    const meta = await recordings.get(id);
    await recordings.finish(id, meta?.durationMs ?? 0);
    return recordings.get(id);
  },
  /** Starts recording into the store and leaves it recording (until the page goes away). */
  async startRecordingIntoStore(id: string, room: string): Promise<void> {
    await recordIntoStore(id, room);
  },
  /** See `figures`. */
  figures: () => ({ ...figures }),
  meta: async (id: string) => (await store()).get(id),
  recoverUnfinished: async () => (await store()).recoverUnfinished(),
  list: async () => (await store()).list(),
  delete: async (id: string) => (await store()).delete(id),
  /** Saves a recording as the Recordings list's Download does: a link to its address, followed. */
  download(id: string): void {
    const link = document.createElement('a');
    link.href = recordingDownloadUrl(id);
    document.body.append(link);
    link.click();
    link.remove();
  },
};

export type RecordingProbe = typeof probe;
(globalThis as unknown as { recordingProbe: RecordingProbe }).recordingProbe = probe;
