import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { SfuSession } from '../net/sfu.ts';
import type { SignalingClient } from '../net/signaling.ts';
import { LocalMedia } from './localMedia.ts';
import { createSerialQueue } from './serialQueue.ts';

/** A camera, microphone or screen track: stoppable, and the test can end it the way the browser would. */
class FakeTrack {
  readonly kind: 'audio' | 'video';
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  contentHint = '';
  readonly #listeners: (() => void)[] = [];
  constructor(kind: 'audio' | 'video') {
    this.kind = kind;
  }
  stop(): void {
    this.readyState = 'ended';
  }
  addEventListener(_type: 'ended', listener: () => void): void {
    this.#listeners.push(listener);
  }
  /** The browser's own "Stop sharing" bar, or an unplugged camera. */
  endByBrowser(): void {
    this.stop();
    for (const listener of this.#listeners) listener();
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const streamOf = (...tracks: FakeTrack[]) => ({ getTracks: () => tracks }) as unknown as MediaStream;

function fakeSignaling() {
  const sent: { method: string; data: unknown }[] = [];
  const signaling = {
    request: async (method: string, data: unknown) => void sent.push({ method, data }),
  } as unknown as SignalingClient;
  return { signaling, sent };
}

let getUserMedia: ReturnType<typeof deferred<MediaStream>>;
let getDisplayMedia: ReturnType<typeof deferred<MediaStream>>;

beforeEach(() => {
  getUserMedia = deferred();
  getDisplayMedia = deferred();
  vi.stubGlobal('navigator', {
    mediaDevices: { getUserMedia: () => getUserMedia.promise, getDisplayMedia: () => getDisplayMedia.promise },
  });
});
afterEach(() => void vi.unstubAllGlobals());

describe('LocalMedia', () => {
  test('camera and microphone granted only after the person left: both are stopped at once', async () => {
    const { signaling } = fakeSignaling();
    const local = new LocalMedia(signaling, createSerialQueue());
    const acquiring = local.acquireInitial(null);
    local.close(); // Leave, while the permission prompt is still up
    const mic = new FakeTrack('audio');
    const cam = new FakeTrack('video');
    getUserMedia.resolve(streamOf(mic, cam));
    await acquiring;
    expect([mic.readyState, cam.readyState]).toEqual(['ended', 'ended']);
  });

  test('a screen share the browser ends while it is being published is closed on the server, not only here', async () => {
    const { signaling, sent } = fakeSignaling();
    const enqueue = createSerialQueue();
    const local = new LocalMedia(signaling, enqueue);
    const produced = deferred<{ id: string; close(): void }>();
    let publishing = false;
    const sfu = {
      closed: false,
      produce: () => {
        publishing = true;
        return produced.promise;
      },
    } as unknown as SfuSession;
    await enqueue(() => local.publishAll(sfu));

    const sharing = enqueue(() => local.toggleScreen());
    const screen = new FakeTrack('video');
    getDisplayMedia.resolve(streamOf(screen));
    await vi.waitFor(() => expect(publishing).toBe(true));
    screen.endByBrowser(); // while its producer is being created
    produced.resolve({ id: 'p-screen', close() {} });
    await sharing;
    await enqueue(async () => {}); // everything queued so far has run

    expect(sent).toContainEqual({ method: 'closeProducer', data: { producerId: 'p-screen' } });
  });
});
