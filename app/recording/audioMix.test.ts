import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Participant } from '../models/participants.ts';
import { AudioMix } from './audioMix.ts';

/** A microphone track as far as the mix uses it: clones are tracks of their own. */
class FakeTrack {
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  readonly clones: FakeTrack[] = [];
  /** The sound level the analyser reports for this track's source. */
  level = 0.2;
  clone(): FakeTrack {
    const clone = new FakeTrack();
    clone.level = this.level;
    this.clones.push(clone);
    return clone;
  }
  stop(): void {
    this.readyState = 'ended';
  }
}

class FakeNode {
  readonly outputs = new Set<FakeNode>();
  connect(node: FakeNode) {
    this.outputs.add(node);
  }
  disconnect() {
    this.outputs.clear();
  }
}

class FakeContext {
  state = 'running';
  closed = false;
  readonly destination = Object.assign(new FakeNode(), { stream: { getAudioTracks: () => [new FakeTrack()] } });
  readonly gains: (FakeNode & { gain: { value: number } })[] = [];
  createMediaStreamDestination() {
    return this.destination;
  }
  createMediaStreamSource(stream: { tracks: FakeTrack[] }) {
    return Object.assign(new FakeNode(), { track: stream.tracks[0]! });
  }
  createGain() {
    const gain = Object.assign(new FakeNode(), { gain: { value: 1 } });
    this.gains.push(gain);
    return gain;
  }
  createAnalyser() {
    const analyser = Object.assign(new FakeNode(), {
      fftSize: 2048,
      getFloatTimeDomainData: (samples: Float32Array) => {
        // The analyser hangs off a gain fed by a source: report that source's level.
        const source = [...this.sources()].find((node) => [...node.outputs].some((gain) => gain.outputs.has(analyser)));
        samples.fill(source?.track.level ?? 0);
      },
    });
    return analyser;
  }
  readonly #sources = new Set<FakeNode & { track: FakeTrack }>();
  sources() {
    return this.#sources;
  }
  async close() {
    this.closed = true;
  }
}

function person(id: string, mic: FakeTrack | null, micMuted = false): Participant {
  return { id, name: id, isLocal: id === 'self', connected: true, cam: null, screen: null, mic: mic as unknown as MediaStreamTrack, micMuted };
}

describe('AudioMix', () => {
  let context: FakeContext;
  let mix: AudioMix;

  beforeEach(() => {
    vi.stubGlobal(
      'MediaStream',
      class {
        readonly tracks: FakeTrack[];
        constructor(tracks: FakeTrack[]) {
          this.tracks = tracks;
        }
      },
    );
    context = new FakeContext();
    const createSource = context.createMediaStreamSource.bind(context);
    context.createMediaStreamSource = (stream) => {
      const node = createSource(stream);
      context.sources().add(node);
      return node;
    };
    mix = new AudioMix(context as unknown as AudioContext);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('mixes a clone of every microphone, never the call’s own track', () => {
    const own = new FakeTrack();
    const remote = new FakeTrack();
    mix.sync([person('self', own), person('b', remote), person('c', null)]);
    expect(own.clones).toHaveLength(1);
    expect(remote.clones).toHaveLength(1);
    const fed = [...context.sources()].map((node) => node.track);
    expect(fed).toEqual([own.clones[0], remote.clones[0]]);
    expect(context.gains.every((gain) => gain.outputs.has(context.destination))).toBe(true);
  });

  it('muting the local microphone (enabled = false on the original) silences it in the mix and in the levels', () => {
    const own = new FakeTrack();
    mix.sync([person('self', own)]);
    expect(mix.levels().get('self')).toBeCloseTo(0.2);
    own.enabled = false; // what the mic button does; the clone does not follow
    expect(own.clones[0]!.enabled).toBe(true);
    expect(mix.levels().get('self')).toBe(0);
    expect(context.gains[0]!.gain.value).toBe(0);
    own.enabled = true;
    mix.refreshMutes();
    expect(context.gains[0]!.gain.value).toBe(1);
  });

  it('silences a participant marked muted', () => {
    const remote = new FakeTrack();
    mix.sync([person('b', remote, true)]);
    expect(context.gains[0]!.gain.value).toBe(0);
    mix.sync([person('b', remote, false)]);
    expect(context.gains[0]!.gain.value).toBe(1);
  });

  it('drops the clone of someone who left, and re-clones a replaced microphone', () => {
    const first = new FakeTrack();
    mix.sync([person('b', first)]);
    const second = new FakeTrack();
    mix.sync([person('b', second)]);
    expect(first.clones[0]!.readyState).toBe('ended');
    expect(second.clones).toHaveLength(1);
    mix.sync([]);
    expect(second.clones[0]!.readyState).toBe('ended');
    expect(mix.levels().size).toBe(0);
  });

  it('closing stops the clones and the context but leaves the call’s tracks live and enabled', () => {
    const own = new FakeTrack();
    const remote = new FakeTrack();
    mix.sync([person('self', own), person('b', remote)]);
    mix.close();
    mix.close();
    expect(context.closed).toBe(true);
    expect(own.clones[0]!.readyState).toBe('ended');
    expect(remote.clones[0]!.readyState).toBe('ended');
    expect([own.readyState, remote.readyState, own.enabled, remote.enabled]).toEqual(['live', 'live', true, true]);
  });
});
