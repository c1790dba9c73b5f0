import type { Producer } from 'mediasoup-client/types';
import type { MediaSource } from '../../shared/protocol/index.ts';
import { camOn, micOn, screenOn } from '../models/localMedia.ts';
import { upsertParticipant } from '../models/participants.ts';
import { notice } from '../models/session.ts';
import type { SfuSession } from '../net/sfu.ts';
import type { SignalingClient } from '../net/signaling.ts';
import { createLogger } from '../log.ts';
import { CAMERA_CONSTRAINTS, MIC_CONSTRAINTS, type InitialMedia } from '../media/constraints.ts';
import { describeMediaError } from '../media/errors.ts';

const log = createLogger('local-media');

type Enqueue = <T>(task: () => Promise<T>) => Promise<T>;

export const SELF_ID = 'self';

/* Camera simulcast: three layers so the server can send each viewer what its screen and network can take. */
const CAMERA_ENCODINGS: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/**
 * What the local person sends: tracks (which outlive a reconnect) and their producers (which belong to one SFU
 * session and are re-created on a new one). Camera off releases the camera; microphone mute keeps the track.
 */
export class LocalMedia {
  readonly #tracks = new Map<MediaSource, MediaStreamTrack>();
  readonly #producers = new Map<MediaSource, Producer>();
  /** Producers closed here while the server could not be told; told again after a resume. */
  readonly #unsentCloses = new Set<string>();
  #sfu: SfuSession | undefined;
  /** The call ended: a capture that resolves now (a permission prompt answered late) is stopped at once. */
  #closed = false;
  readonly #signaling: SignalingClient;
  readonly #enqueue: Enqueue;

  /** `enqueue` is the call's serial queue: a track ending by itself is handled in turn with everything else. */
  constructor(signaling: SignalingClient, enqueue: Enqueue) {
    this.#signaling = signaling;
    this.#enqueue = enqueue;
  }

  /**
   * Starts with what the join screen already opened and what the person chose (microphone muted, camera off);
   * asks for whatever is still missing in one prompt, and joins without what is refused.
   */
  async acquireInitial(initial: InitialMedia | null): Promise<void> {
    const want = { mic: initial?.micOn ?? true, cam: initial?.camOn ?? true };
    if (initial?.mic) {
      initial.mic.enabled = initial.micOn;
      this.#setTrack('mic', initial.mic);
    }
    if (initial?.cam) {
      if (want.cam) this.#setTrack('cam', initial.cam);
      else initial.cam.stop();
    }
    const missing = (['mic', 'cam'] as const).filter((source) => want[source] && !this.#tracks.has(source));
    if (missing.length === 2) await this.#captureBoth();
    else if (missing[0]) await this.#captureOne(missing[0]);
    this.#publishState();
  }

  async #captureBoth(): Promise<void> {
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: MIC_CONSTRAINTS, video: CAMERA_CONSTRAINTS });
    } catch (error) {
      if (this.#closed) return;
      // Perhaps only one device is missing or blocked: try each alone before giving up.
      const [mic, cam] = await Promise.allSettled([this.#capture('mic'), this.#capture('cam')]);
      if (this.#closed) return;
      if (mic.status === 'rejected' && cam.status === 'rejected') notice.value = describeMediaError(error, 'camera and microphone');
      else if (cam.status === 'rejected') notice.value = describeMediaError(cam.reason, 'camera');
      else if (mic.status === 'rejected') notice.value = describeMediaError(mic.reason, 'microphone');
      return;
    }
    if (this.#stopIfClosed(stream)) return;
    for (const track of stream.getTracks()) this.#setTrack(track.kind === 'audio' ? 'mic' : 'cam', track);
  }

  async #captureOne(source: 'mic' | 'cam'): Promise<void> {
    try {
      await this.#capture(source);
    } catch (error) {
      if (!this.#closed) notice.value = describeMediaError(error, source === 'mic' ? 'microphone' : 'camera');
    }
  }

  /** A new SFU session: publish every live track on it. */
  async publishAll(sfu: SfuSession): Promise<void> {
    this.#sfu = sfu;
    this.#producers.clear();
    this.#unsentCloses.clear(); // they died with the old server-side peer
    await Promise.all([...this.#tracks.keys()].map((source) => this.#produce(source)));
  }

  /**
   * After a resume, whatever the person changed while signaling was down (camera off, mute, camera on) is still
   * unknown to the server: tell it now.
   */
  async resync(): Promise<void> {
    for (const producerId of [...this.#unsentCloses]) {
      this.#unsentCloses.delete(producerId);
      await this.#signaling.request('closeProducer', { producerId }).catch(() => {});
    }
    const mic = this.#producers.get('mic');
    if (mic) await this.#signaling.request(mic.paused ? 'pauseProducer' : 'resumeProducer', { producerId: mic.id }).catch(() => {});
    await this.publishNew();
  }

  /** Publishes every track that has no producer yet (taken after the session started, or missed by a drop). */
  async publishNew(): Promise<void> {
    for (const source of this.#tracks.keys()) if (!this.#producers.has(source)) await this.#produce(source);
  }

  async toggleMic(): Promise<void> {
    const track = this.#tracks.get('mic');
    if (!track) {
      await this.#start('mic', 'microphone');
      return;
    }
    const enable = !track.enabled;
    track.enabled = enable;
    const producer = this.#producers.get('mic');
    if (producer) {
      if (enable) producer.resume();
      else producer.pause();
      const method = enable ? 'resumeProducer' : 'pauseProducer';
      await this.#signaling.request(method, { producerId: producer.id }).catch(() => {});
    }
    this.#publishState();
  }

  async toggleCam(): Promise<void> {
    if (this.#tracks.has('cam')) await this.#stop('cam');
    else await this.#start('cam', 'camera');
  }

  async toggleScreen(): Promise<void> {
    if (this.#tracks.has('screen')) await this.#stop('screen');
    else await this.#start('screen', 'screen');
  }

  /** The call is over: stops every track, now and any that a pending capture delivers later. */
  close(): void {
    this.#closed = true;
    for (const track of this.#tracks.values()) track.stop();
    this.#tracks.clear();
    this.#producers.clear();
    this.#unsentCloses.clear();
    this.#sfu = undefined;
    this.#publishState();
  }

  async #start(source: MediaSource, what: 'camera' | 'microphone' | 'screen'): Promise<void> {
    try {
      await this.#capture(source);
      notice.value = null;
    } catch (error) {
      if (!this.#closed) notice.value = describeMediaError(error, what);
      return;
    } finally {
      this.#publishState();
    }
    await this.#produce(source);
  }

  async #capture(source: MediaSource): Promise<MediaStreamTrack> {
    const media = navigator.mediaDevices;
    const stream =
      source === 'screen'
        ? await media.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false })
        : await media.getUserMedia(source === 'mic' ? { audio: MIC_CONSTRAINTS } : { video: CAMERA_CONSTRAINTS });
    if (this.#stopIfClosed(stream)) throw new DOMException('The call ended', 'AbortError');
    const [track] = stream.getTracks();
    if (!track) throw new DOMException('No track', 'NotFoundError');
    if (source === 'screen') track.contentHint = 'detail';
    this.#setTrack(source, track);
    return track;
  }

  /** A capture that finished after the call ended: nobody will ever stop these tracks but us, so stop them now. */
  #stopIfClosed(stream: MediaStream): boolean {
    if (!this.#closed) return false;
    for (const track of stream.getTracks()) track.stop();
    return true;
  }

  #setTrack(source: MediaSource, track: MediaStreamTrack): void {
    if (this.#closed) return void track.stop();
    this.#tracks.set(source, track);
    // The browser's own "Stop sharing" bar, or a camera unplugged, ends the track: treat it as turning it off. In
    // the queue, so it cannot slip between a produce and its bookkeeping (which left the server producer open).
    track.addEventListener('ended', () => {
      void this.#enqueue(async () => {
        if (this.#tracks.get(source) === track) await this.#stop(source);
      });
    });
  }

  async #produce(source: MediaSource): Promise<void> {
    const track = this.#tracks.get(source);
    const sfu = this.#sfu;
    if (!track || !sfu || sfu.closed) return;
    try {
      const producer = await sfu.produce(source, track, producerOptions(source), !track.enabled);
      if (sfu !== this.#sfu || sfu.closed) {
        producer.close(); // its server-side peer is gone with that session
        return;
      }
      if (this.#tracks.get(source) !== track) {
        // Turned off (or ended) while being published: the server must drop it too, or others see a frozen tile.
        await this.#closeProducer(producer);
        return;
      }
      this.#producers.set(source, producer);
    } catch (error) {
      // Signaling dropped mid-way: the next session publishes this track again (publishAll).
      log.warn('could not publish', { source, error: String(error) });
    }
  }

  async #stop(source: MediaSource): Promise<void> {
    const track = this.#tracks.get(source);
    this.#tracks.delete(source);
    track?.stop();
    const producer = this.#producers.get(source);
    this.#producers.delete(source);
    this.#publishState();
    if (producer) await this.#closeProducer(producer);
  }

  /** Closes a producer here and on the server; when the server cannot be told now, it is told after a resume. */
  async #closeProducer(producer: Producer): Promise<void> {
    producer.close();
    await this.#signaling
      .request('closeProducer', { producerId: producer.id })
      .catch(() => this.#unsentCloses.add(producer.id));
  }

  #publishState(): void {
    const mic = this.#tracks.get('mic') ?? null;
    micOn.value = !!mic && mic.enabled;
    camOn.value = this.#tracks.has('cam');
    screenOn.value = this.#tracks.has('screen');
    upsertParticipant(SELF_ID, {
      cam: this.#tracks.get('cam') ?? null,
      screen: this.#tracks.get('screen') ?? null,
      micMuted: !micOn.value,
    });
  }
}

function producerOptions(source: MediaSource) {
  switch (source) {
    case 'cam':
      return { encodings: CAMERA_ENCODINGS, codecOptions: { videoGoogleStartBitrate: 1000 } };
    case 'screen':
      return { encodings: [{ maxBitrate: 2_500_000 }] };
    case 'mic':
      return { codecOptions: { opusDtx: true, opusFec: true } };
  }
}
