/*
 * A page recording a made-up meeting, for bench/recording.bench.ts and test/e2e/recording-compositor.test.ts: four
 * people with cameras (Chromium's fake camera) and voices (the fake microphone for oneself, tones for the others),
 * one of them sharing a screen (a 1080p fake camera track) with a stroke on it, recorded by the app's own
 * MeetingRecorder (compositor, audio mix, recorder) into IndexedDB. A 5 ms timer and a long-task observer watch the
 * main thread. The driver calls `window.bench`.
 */
import { SELF_ID } from '../../../app/call/localMedia.ts';
import { boards } from '../../../app/models/annotations.ts';
import { upsertParticipant } from '../../../app/models/participants.ts';
import { openMeetingMedia } from '../../../app/recording/meetingMedia.ts';
import { createMeetingRecorder } from '../../../app/recording/recorder.ts';
import type { CompositorStats } from '../../../app/recording/compositor.ts';
import { TestRecordingStore } from './idbStore.ts';

const REMOTES = [
  { id: 'p1', name: 'Bob Jones', pitchHz: 620 },
  { id: 'p2', name: 'Carol', pitchHz: 830 },
  { id: 'p3', name: 'Dave Smith', pitchHz: 1050 },
];

const store = new TestRecordingStore();
const pageTimer = new URLSearchParams(location.search).get('clock') === 'timer';
// ?type=vp8: only the types containing "vp8" count as supported (to compare encoders).
const onlyType = new URLSearchParams(location.search).get('type');
const Recorder = class extends MediaRecorder {
  static override isTypeSupported(type: string): boolean {
    return (!onlyType || type.includes(onlyType)) && MediaRecorder.isTypeSupported(type);
  }
};
const recorder = createMeetingRecorder(store, 'bench', async () => ({}), {
  MediaRecorder: Recorder,
  // ?clock=timer: no worker, so the compositor falls back to a page timer (for comparison).
  openMedia: () =>
    openMeetingMedia({
      createWorker: pageTimer
        ? () => {
            throw new Error('no worker for this run');
          }
        : undefined,
    }),
});
let originals: MediaStreamTrack[] = [];
let recordingId: string | null = null;
let recordingStartedAt = 0;

function tone(context: AudioContext, pitchHz: number): MediaStreamTrack {
  const oscillator = new OscillatorNode(context, { frequency: pitchHz });
  const gain = new GainNode(context, { gain: 0.1 });
  const destination = context.createMediaStreamDestination();
  oscillator.connect(gain).connect(destination);
  oscillator.start();
  return destination.stream.getAudioTracks()[0]!;
}

/** What the main thread went through since the last `mark`: timer lateness and long tasks. */
const probe = { maxLateMs: 0, maxLateDuringPutMs: 0, lateOver50: 0, longTasks: 0, longestTaskMs: 0, last: performance.now() };
// A hidden page's timers are throttled to about one a second: their lateness is no stall, so it is not counted.
document.addEventListener('visibilitychange', () => (probe.last = Number.NaN));
setInterval(() => {
  const now = performance.now();
  const late = now - probe.last - 5;
  if (document.visibilityState === 'hidden' || Number.isNaN(late)) {
    probe.last = now;
    return;
  }
  // A wait that overlapped a chunk's write (from the put's start to 20 ms after it ended) counts as during a write.
  const { from, to } = store.lastPut;
  if (probe.last <= to + 20 && now >= from) probe.maxLateDuringPutMs = Math.max(probe.maxLateDuringPutMs, late);
  probe.last = now;
  probe.maxLateMs = Math.max(probe.maxLateMs, late);
  if (late > 50) probe.lateOver50 += 1;
}, 5);
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    probe.longTasks += 1;
    probe.longestTaskMs = Math.max(probe.longestTaskMs, entry.duration);
  }
}).observe({ type: 'longtask', buffered: false });

let markedAt = performance.now();
let lastStats: CompositorStats | null = null;
let putsSeen = 0;

const bench = {
  /** `voices: false`: the others are silent (no microphone), so the recording's sound is one's own microphone. */
  async setup(voices = true): Promise<void> {
    const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
    originals = local.getTracks();
    upsertParticipant(SELF_ID, { name: 'Alice Me', isLocal: true, cam: local.getVideoTracks()[0]!, mic: local.getAudioTracks()[0]!, micMuted: false });
    const audio = new AudioContext();
    for (const remote of REMOTES) {
      const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
      const mic = voices ? tone(audio, remote.pitchHz) : null;
      upsertParticipant(remote.id, { name: remote.name, cam: camera.getVideoTracks()[0]!, mic, micMuted: false });
    }
    // The shared screen: a 1080p track from the fake camera (its picture moves by itself, like a decoded share;
    // a canvas drawn on a page timer would freeze in a hidden page for reasons of its own).
    const screen = await navigator.mediaDevices.getUserMedia({ video: { width: 1920, height: 1080 } });
    upsertParticipant('p1', { screen: screen.getVideoTracks()[0]! });
    // A red stroke across the middle of Bob's screen (his board is named by his peer id).
    boards.value = new Map([
      ['p1', [{ id: 'stroke-0001', author: 'p1', color: '#ff2d55', width: 60, points: [2000, 5000, 5000, 4000, 8000, 5000] }]],
    ]);
  },

  /** The mic button: `enabled` on the call's own track, as app/call/localMedia.ts does (the model follows later). */
  muteOwnMic(muted: boolean): void {
    const mic = originals.find((track) => track.kind === 'audio');
    if (mic) mic.enabled = !muted;
  },

  async start(): Promise<string | undefined> {
    const problem = await recorder.start();
    recordingId = store.lastCreated;
    recordingStartedAt = performance.now();
    lastStats = recorder.stats(true);
    return problem;
  },

  /** Seconds since the recording started (≈ the file's media time) and chunks stored so far. */
  progress() {
    return { seconds: (performance.now() - recordingStartedAt) / 1000, chunks: store.putMs.length, visibility: document.visibilityState };
  },

  /** Figures since the previous mark, and resets the peaks. */
  mark() {
    const now = performance.now();
    const elapsedMs = now - markedAt;
    markedAt = now;
    const stats = recorder.stats(true);
    const drawn = stats && lastStats ? stats.framesDrawn - lastStats.framesDrawn : 0;
    const skipped = stats && lastStats ? stats.ticksSkipped - lastStats.ticksSkipped : 0;
    const puts = store.putMs.slice(putsSeen);
    putsSeen = store.putMs.length;
    const figures = {
      elapsedMs,
      compositorFps: (drawn * 1000) / elapsedMs,
      ticksSkipped: skipped,
      longestGapMs: stats?.longestGapMs ?? 0,
      longestDrawMs: stats?.longestDrawMs ?? 0,
      meanDrawMs: drawn > 0 && stats && lastStats ? (stats.totalDrawMs - lastStats.totalDrawMs) / drawn : 0,
      tickSource: stats?.tickSource ?? null,
      timerMaxLateMs: probe.maxLateMs,
      timerMaxLateDuringPutMs: probe.maxLateDuringPutMs,
      timerLateOver50: probe.lateOver50,
      longTasks: probe.longTasks,
      longestTaskMs: probe.longestTaskMs,
      chunkPuts: puts.length,
      longestPutMs: Math.max(0, ...puts),
      visibility: document.visibilityState,
    };
    lastStats = stats;
    Object.assign(probe, { maxLateMs: 0, maxLateDuringPutMs: 0, lateOver50: 0, longTasks: 0, longestTaskMs: 0 });
    return figures;
  },

  async stop() {
    await recorder.stop();
    const meta = (await store.list()).find((item) => item.id === recordingId);
    return { meta, originals: originals.map((track) => ({ kind: track.kind, readyState: track.readyState, enabled: track.enabled })) };
  },

  /** The recorded file, base64 (a few MB). */
  async file(): Promise<string> {
    const blob = await store.file(recordingId!);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
document.title = 'bench ready';
