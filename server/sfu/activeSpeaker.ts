import type { types } from 'mediasoup';
import type { ProducerAppData } from './peer.ts';

/**
 * mediasoup's dominant speaker identification runs over the room's microphones every this many milliseconds; its
 * own hysteresis (a challenger must out-talk the speaker over short, medium and long windows) keeps the highlight
 * from flickering between two people, so no extra debounce is added here.
 */
const OBSERVER_INTERVAL_MS = 300;

/**
 * Who is speaking in one room, from mediasoup's ActiveSpeakerObserver. Only live microphones take part: a muted
 * (paused) mic is taken out of the observer and put back when resumed, so a muted person is never the speaker
 * and the one still talking takes over at once. When the speaker mutes, leaves or loses their mic, the room is
 * told `null` (nobody) until mediasoup elects the next one.
 */
export class RoomSpeaker {
  readonly #observer: types.ActiveSpeakerObserver;
  readonly #announce: (peerId: string | null) => void;
  readonly #reach: (mic: types.Producer<ProducerAppData>) => Promise<void>;
  /** The live microphones by id: an election names the observer's producer, maybe a pipe's, with the same id. */
  readonly #mics = new Map<string, types.Producer<ProducerAppData>>();
  /** Microphones of people on other servers: imported onto the home router, where the observer already is. */
  readonly #imported = new Set<string>();
  #current: { peerId: string; producerId: string } | null = null;

  private constructor(
    observer: types.ActiveSpeakerObserver,
    announce: (peerId: string | null) => void,
    reach: (mic: types.Producer<ProducerAppData>) => Promise<void>,
  ) {
    this.#observer = observer;
    this.#announce = announce;
    this.#reach = reach;
    observer.on('dominantspeaker', ({ producer }) => {
      const mic = this.#mics.get(producer.id);
      if (mic) this.#elected(mic);
    });
  }

  /**
   * `reach` makes a microphone consumable on `router` (a mic on another worker's router is piped there under its own
   * id); the observer listens to it there.
   */
  static async create(
    router: types.Router,
    announce: (peerId: string | null) => void,
    reach: (mic: types.Producer<ProducerAppData>) => Promise<void> = async () => {},
  ): Promise<RoomSpeaker> {
    const observer = await router.createActiveSpeakerObserver({ interval: OBSERVER_INTERVAL_MS });
    return new RoomSpeaker(observer, announce, reach);
  }

  /** The peer speaking now, or null: what a peer that joins or comes back is told. */
  get peerId(): string | null {
    return this.#current?.peerId ?? null;
  }

  /** A new microphone: it takes part while it is not paused; its close takes it out (mediasoup does that itself). */
  micAdded(producer: types.Producer<ProducerAppData>): void {
    this.#mics.set(producer.id, producer);
    producer.observer.on('close', () => {
      this.#mics.delete(producer.id);
      this.#dropIfCurrent(producer);
    });
    if (!producer.paused) this.#add(producer);
  }

  /**
   * The microphone of someone on another server, imported onto the home router (server/cluster): it takes part like
   * a local one, so a person speaking there is the speaker here too. Every server elects on its own from the same
   * audio.
   */
  importedMicAdded(producer: types.Producer<ProducerAppData>): void {
    this.#imported.add(producer.id);
    producer.observer.once('close', () => this.#imported.delete(producer.id));
    this.micAdded(producer);
  }

  micPaused(producer: types.Producer<ProducerAppData>): void {
    // Nobody first, then out of the observer: mediasoup may elect the next speaker while removing this one, and
    // that election must come after the `null`, not be overwritten by it.
    this.#dropIfCurrent(producer);
    this.#observer.removeProducer({ producerId: producer.id }).catch(() => {});
  }

  micResumed(producer: types.Producer<ProducerAppData>): void {
    this.#add(producer);
  }

  #add(producer: types.Producer<ProducerAppData>): void {
    const reached = this.#imported.has(producer.id) ? Promise.resolve() : this.#reach(producer);
    void reached.then(
      () => {
        // Paused or closed while its pipe was being made: it takes part once resumed.
        if (producer.closed || producer.paused || this.#observer.closed) return;
        // Adding twice is refused by the worker; a mic resumed twice in a row is no error worth a log.
        this.#observer.addProducer({ producerId: producer.id }).catch(() => {});
      },
      () => {}, // closed meanwhile, or its worker died: nothing to observe
    );
  }

  #elected(producer: types.Producer<ProducerAppData>): void {
    // An election already on its way when the mic was paused or closed does not count.
    if (producer.closed || producer.paused) return;
    if (this.#current?.producerId === producer.id) return;
    this.#current = { peerId: producer.appData.peerId, producerId: producer.id };
    this.#announce(producer.appData.peerId);
  }

  #dropIfCurrent(producer: types.Producer<ProducerAppData>): void {
    if (this.#current?.producerId !== producer.id) return;
    this.#current = null;
    this.#announce(null);
  }
}
