import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingSince, recordingWarning } from '../models/recording.ts';
import type { RecordingMeta, RecordingStore } from './ports.ts';
import { MeetingRecorder, type MeetingRecorderOptions, type QuotaCheck } from './recorder.ts';
import type { RecordingMedia } from './meetingMedia.ts';

/** MediaRecorder as the recorder uses it; the test hands over chunks and raises errors. */
class FakeMediaRecorder extends EventTarget {
  static last: FakeMediaRecorder | undefined;
  static isTypeSupported = (type: string) => type === 'video/webm;codecs=vp8,opus';
  state: RecordingState = 'inactive';
  timeslice: number | undefined;
  readonly mimeType: string;
  readonly stream: MediaStream;
  constructor(stream: MediaStream, options: MediaRecorderOptions) {
    super();
    this.stream = stream;
    this.mimeType = options.mimeType ?? '';
    FakeMediaRecorder.last = this;
  }
  start(timeslice?: number) {
    this.state = 'recording';
    this.timeslice = timeslice;
  }
  /** Like Chromium: the last chunk, then `stop`, asynchronously. */
  stop() {
    this.state = 'inactive';
    setTimeout(() => {
      this.chunk('last');
      this.dispatchEvent(new Event('stop'));
    }, 0);
  }
  chunk(text: string) {
    this.dispatchEvent(Object.assign(new Event('dataavailable'), { data: new Blob([text]) }));
  }
  fail() {
    this.state = 'inactive';
    this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new Event('stop'));
  }
}

type Put = { id: string; seq: number; text: string; durationMs: number };

/** A store that records calls; `gate` holds every putChunk until released, `failAt` makes one put fail. */
class FakeStore implements RecordingStore {
  readonly created: Pick<RecordingMeta, 'id' | 'room' | 'mimeType' | 'startedAt'>[] = [];
  readonly puts: Put[] = [];
  readonly log: string[] = [];
  finished: { id: string; durationMs: number } | null = null;
  failAt: { seq: number; error: Error } | null = null;
  gate: Promise<void> = Promise.resolve();
  async create(meta: Pick<RecordingMeta, 'id' | 'room' | 'mimeType' | 'startedAt'>) {
    this.created.push(meta);
  }
  async putChunk(id: string, seq: number, data: Blob, durationMs: number) {
    this.log.push(`put ${seq} begins`);
    await this.gate;
    if (this.failAt?.seq === seq) throw this.failAt.error;
    this.puts.push({ id, seq, text: await data.text(), durationMs });
    this.log.push(`put ${seq} ends`);
  }
  async finish(id: string, durationMs: number) {
    this.log.push('finish');
    this.finished = { id, durationMs };
  }
  async list() {
    return [];
  }
  async delete(_id: string) {}
  async recoverUnfinished() {
    return [];
  }
}

function fakeMedia() {
  const track = (kind: string) => ({ kind, readyState: 'live' }) as unknown as MediaStreamTrack;
  const media = {
    video: track('video'),
    audio: track('audio'),
    closed: 0,
    stats: () => ({ framesDrawn: 0, ticksSkipped: 0, longestGapMs: 0, longestDrawMs: 0, totalDrawMs: 0, tickSource: 'worker' as const }),
    close() {
      media.closed += 1;
    },
  };
  return media satisfies RecordingMedia;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('MeetingRecorder', () => {
  let store: FakeStore;
  let media: ReturnType<typeof fakeMedia>;
  let released: string[];
  let quota: QuotaCheck;

  const recorder = (options: MeetingRecorderOptions = {}) =>
    new MeetingRecorder(store, 'standup', (bytes, elapsed) => quota(bytes, elapsed), {
      MediaRecorder: FakeMediaRecorder,
      openMedia: () => media,
      holdRecording: (id) => () => released.push(id),
      newId: () => 'rec-1',
      ...options,
    });

  beforeEach(() => {
    vi.stubGlobal(
      'MediaStream',
      class {
        readonly tracks: MediaStreamTrack[];
        constructor(tracks: MediaStreamTrack[]) {
          this.tracks = tracks;
        }
      },
    );
    store = new FakeStore();
    media = fakeMedia();
    released = [];
    quota = async () => ({});
    recordingSince.value = null;
    recordingWarning.value = null;
  });
  afterEach(() => vi.unstubAllGlobals());

  it('records the picture and the mix in the supported type, one chunk a second, and shows since when', async () => {
    const meeting = recorder();
    expect(await meeting.start()).toBeUndefined();
    const mediaRecorder = FakeMediaRecorder.last!;
    expect(mediaRecorder.mimeType).toBe('video/webm;codecs=vp8,opus');
    expect(mediaRecorder.timeslice).toBe(1000);
    expect((mediaRecorder.stream as unknown as { tracks: unknown[] }).tracks).toEqual([media.video, media.audio]);
    expect(store.created).toEqual([expect.objectContaining({ id: 'rec-1', room: 'standup', mimeType: 'video/webm;codecs=vp8,opus' })]);
    expect(recordingSince.value).toBe(store.created[0]!.startedAt);
  });

  it('stores each chunk in order as it arrives, without the recorder waiting for storage', async () => {
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const meeting = recorder();
    await meeting.start();
    const mediaRecorder = FakeMediaRecorder.last!;
    mediaRecorder.chunk('a');
    mediaRecorder.chunk('b');
    mediaRecorder.chunk('c');
    await settle();
    // Storage is stuck on chunk 0: the others queue behind it, and the handler returned at once.
    expect(store.log).toEqual(['put 0 begins']);
    open();
    await settle();
    expect(store.puts.map((put) => [put.seq, put.text])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(store.log).toEqual(['put 0 begins', 'put 0 ends', 'put 1 begins', 'put 1 ends', 'put 2 begins', 'put 2 ends']);
    const durations = store.puts.map((put) => put.durationMs);
    expect(durations).toEqual([...durations].sort((a, b) => a - b));
  });

  it('stop stores the last chunk, then marks the recording finished, and lets the picture, sound and hold go', async () => {
    const meeting = recorder();
    await meeting.start();
    FakeMediaRecorder.last!.chunk('a');
    await meeting.stop();
    expect(store.puts.map((put) => put.text)).toEqual(['a', 'last']);
    expect(store.log.at(-1)).toBe('finish');
    expect(store.finished).toEqual({ id: 'rec-1', durationMs: store.puts.at(-1)!.durationMs });
    expect(media.closed).toBe(1);
    expect(released).toEqual(['rec-1']);
    expect(recordingSince.value).toBeNull();
    expect(meeting.recording).toBe(false);
    await meeting.stop(); // twice is harmless
    expect(media.closed).toBe(1);
  });

  it('a failing write ends the recording, keeps what was stored, writes nothing after it, and says why', async () => {
    store.failAt = { seq: 1, error: new DOMException('full', 'QuotaExceededError') };
    const meeting = recorder();
    await meeting.start();
    const mediaRecorder = FakeMediaRecorder.last!;
    mediaRecorder.chunk('a');
    mediaRecorder.chunk('b');
    mediaRecorder.chunk('c');
    await vi.waitFor(() => expect(recordingSince.value).toBeNull());
    expect(store.puts.map((put) => put.seq)).toEqual([0]);
    expect(store.finished).toEqual({ id: 'rec-1', durationMs: store.puts[0]!.durationMs });
    expect(recordingWarning.value).toMatch(/storage is full.*kept/);
    expect(mediaRecorder.state).toBe('inactive');
    expect(media.closed).toBe(1);
    expect(released).toEqual(['rec-1']);
  });

  it('stops before storage runs out when the quota check says so, and shows its warning', async () => {
    quota = async (bytes) => (bytes >= 2 ? { warning: 'Storage is nearly full: recording stopped.', stop: true } : { warning: 'Storage is getting full.' });
    const meeting = recorder();
    await meeting.start();
    FakeMediaRecorder.last!.chunk('a');
    await settle();
    expect(recordingWarning.value).toBe('Storage is getting full.');
    expect(meeting.recording).toBe(true);
    FakeMediaRecorder.last!.chunk('b');
    await vi.waitFor(() => expect(recordingSince.value).toBeNull());
    expect(recordingWarning.value).toBe('Storage is nearly full: recording stopped.');
    expect(store.finished?.id).toBe('rec-1');
  });

  it('a recorder error ends the recording cleanly with what was stored', async () => {
    const meeting = recorder();
    await meeting.start();
    FakeMediaRecorder.last!.chunk('a');
    FakeMediaRecorder.last!.fail();
    await vi.waitFor(() => expect(recordingSince.value).toBeNull());
    expect(store.puts.map((put) => put.text)).toEqual(['a']);
    expect(store.finished?.id).toBe('rec-1');
    expect(recordingWarning.value).toMatch(/recorder failed/);
    expect(media.closed).toBe(1);
  });

  it('a recorder that cannot start leaves no empty recording, no hold and no media behind', async () => {
    const deleted: string[] = [];
    store.delete = async (id: string) => {
      deleted.push(id);
    };
    const broken = class extends FakeMediaRecorder {
      override start(): void {
        throw new DOMException('cannot record these tracks', 'NotSupportedError');
      }
    };
    expect(await recorder({ MediaRecorder: broken }).start()).toMatch(/could not start/);
    await settle();
    expect(deleted).toEqual(['rec-1']);
    expect(released).toEqual(['rec-1']);
    expect(media.closed).toBe(1);
    expect(recordingSince.value).toBeNull();
  });

  it('says why it cannot record when the browser has no usable type or no storage, and starts nothing', async () => {
    const none = Object.assign(class extends FakeMediaRecorder {}, { isTypeSupported: () => false });
    expect(await recorder({ MediaRecorder: none }).start()).toMatch(/cannot record/);
    expect(store.created).toEqual([]);
    store.create = async () => {
      throw new Error('blocked');
    };
    expect(await recorder().start()).toMatch(/storage/);
    expect(media.closed).toBe(1);
    expect(recordingSince.value).toBeNull();
  });
});
