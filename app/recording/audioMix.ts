import type { Participant } from '../models/participants.ts';

/*
 * Everyone's voice in one track for the recorder, mixed with WebAudio. Each microphone enters as a clone, so that
 * stopping the recording (which stops the clones) never stops the call's own tracks. A clone does not follow the
 * original's `enabled` (the local mute), so each source's gain does: muting the microphone mutes the recording.
 */

type MixSource = {
  original: MediaStreamTrack;
  clone: MediaStreamTrack;
  input: MediaStreamAudioSourceNode;
  gain: GainNode;
  analyser: AnalyserNode;
  samples: Float32Array<ArrayBuffer>;
  muted: boolean;
};

/** One AudioContext mixing every participant's microphone into `track`, with a level per participant. */
export class AudioMix {
  readonly #context: AudioContext;
  readonly #destination: MediaStreamAudioDestinationNode;
  readonly #sources = new Map<string, MixSource>();
  #closed = false;

  constructor(context: AudioContext = new AudioContext()) {
    this.#context = context;
    this.#destination = context.createMediaStreamDestination();
    // Created on the Record tap, but a context can still start suspended (autoplay rules): ask it to run.
    if (context.state === 'suspended') void context.resume().catch(() => {});
  }

  /** The mixed audio, for the recorder. */
  get track(): MediaStreamTrack {
    const track = this.#destination.stream.getAudioTracks()[0];
    if (!track) throw new Error('the audio mix has no track');
    return track;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Follows the call: adds microphones that appeared, drops those that left or changed, applies mutes. */
  sync(people: Iterable<Participant>): void {
    if (this.#closed) return;
    const present = new Map<string, Participant>();
    for (const person of people) if (person.mic && person.mic.readyState === 'live') present.set(person.id, person);
    for (const [id, source] of this.#sources) {
      if (present.get(id)?.mic !== source.original) this.#remove(id);
    }
    for (const [id, person] of present) {
      if (!this.#sources.has(id) && person.mic) this.#add(id, person.mic);
      const source = this.#sources.get(id);
      if (source) source.muted = person.micMuted;
    }
    this.refreshMutes();
  }

  /**
   * Re-reads each original track's `enabled`: the local mute flips it without any event, and the participant's
   * `micMuted` follows only after the server answered. Cheap; call it a few times a second.
   */
  refreshMutes(): void {
    for (const source of this.#sources.values()) {
      const silent = source.muted || !source.original.enabled || source.original.readyState !== 'live';
      const gain = silent ? 0 : 1;
      if (source.gain.gain.value !== gain) source.gain.gain.value = gain;
    }
  }

  /** Each participant's current loudness (RMS, 0..1), after their mute: a muted person is silent here too. */
  levels(): Map<string, number> {
    this.refreshMutes();
    const levels = new Map<string, number>();
    for (const [id, source] of this.#sources) {
      if (source.gain.gain.value === 0) {
        levels.set(id, 0);
        continue;
      }
      source.analyser.getFloatTimeDomainData(source.samples);
      let sum = 0;
      for (const sample of source.samples) sum += sample * sample;
      levels.set(id, Math.sqrt(sum / source.samples.length));
    }
    return levels;
  }

  /** Stops the clones and closes the context; the call's own tracks are untouched. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#sources.keys()]) this.#remove(id);
    this.#destination.disconnect();
    void this.#context.close().catch(() => {});
  }

  #add(id: string, original: MediaStreamTrack): void {
    const clone = original.clone();
    // A clone starts enabled whatever the original is; the gain carries the mute instead.
    clone.enabled = true;
    const input = this.#context.createMediaStreamSource(new MediaStream([clone]));
    const gain = this.#context.createGain();
    const analyser = this.#context.createAnalyser();
    analyser.fftSize = 1024;
    input.connect(gain);
    gain.connect(this.#destination);
    gain.connect(analyser);
    this.#sources.set(id, { original, clone, input, gain, analyser, samples: new Float32Array(analyser.fftSize), muted: false });
  }

  #remove(id: string): void {
    const source = this.#sources.get(id);
    if (!source) return;
    this.#sources.delete(id);
    source.input.disconnect();
    source.gain.disconnect();
    source.clone.stop();
  }
}
