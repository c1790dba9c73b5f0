import type { types } from 'mediasoup';
import { createLogger } from '../log.ts';
import type { ConsumerAppData, Peer, TransportAppData } from '../sfu/peer.ts';
import type { Room } from '../sfu/room.ts';
import { layerRates } from './layerRates.ts';
import { DEFAULT_LAYER_BITRATES, LayerCaps, priorityOf, type ConsumerDemand } from './layerPolicy.ts';

const log = createLogger('quality');

/** Bit rate set aside per audio consumer before video is shared out (Opus with FEC, plus headers). */
const AUDIO_RESERVE = 40_000;

type Consumer = types.Consumer<ConsumerAppData>;
type View = { wanted: number; visible: boolean };
type Applied = { layer?: number; priority?: number };

/** The bandwidth estimate toward this peer (its receive transport's `bwe` trace). */
export type Estimate = { available: number; desired: number };

/**
 * One receiver's video: what its tiles ask for (`setConsumerView`), the server's estimate toward it, and the layer
 * and priority each consumer then gets (layerPolicy.ts). Changes are pushed to mediasoup only when they differ from
 * what was last applied.
 */
export class ReceiverQuality {
  readonly #room: Room;
  readonly #peer: Peer;
  readonly #caps = new LayerCaps();
  readonly #views = new Map<string, View>();
  readonly #applied = new Map<string, Applied>();
  #estimate: Estimate | undefined;
  #transport: types.WebRtcTransport<TransportAppData> | undefined;

  constructor(room: Room, peer: Peer) {
    this.#room = room;
    this.#peer = peer;
  }

  get estimate(): Estimate | undefined {
    return this.#estimate;
  }

  /** A new receive transport (a fresh media session replaces the old one): follow its estimate. */
  watch(transport: types.WebRtcTransport<TransportAppData>): void {
    this.#transport = transport;
    this.#estimate = undefined;
    transport.on('trace', (trace) => {
      if (trace.type !== 'bwe' || this.#transport !== transport) return;
      const info = trace.info as { availableBitrate: number; desiredBitrate: number };
      this.#estimate = { available: info.availableBitrate, desired: info.desiredBitrate };
      this.update();
    });
    transport.enableTraceEvent(['bwe']).catch((error: unknown) => log.warn('no bandwidth trace', { error }));
  }

  /** A consumer was created: it starts with what the policy gives a tile nobody has measured yet (the top layer). */
  added(consumer: Consumer): void {
    consumer.observer.on('close', () => {
      this.#views.delete(consumer.id);
      this.#applied.delete(consumer.id);
      this.#caps.drop(consumer.id);
    });
    this.update();
  }

  /** The client's word on one tile. Out of view: paused (no bytes); back in view: resumed with a key frame. */
  async setView(consumer: Consumer, view: View): Promise<void> {
    this.#views.set(consumer.id, view);
    if (view.visible && consumer.paused) {
      await consumer.resume();
      // The sender's next key frame may be seconds away: ask for one now, so the tile shows a picture at once.
      await consumer.requestKeyFrame().catch(() => {});
    } else if (!view.visible && !consumer.paused) {
      await consumer.pause();
    }
    this.update();
  }

  /** Decides every video consumer's layer and priority again and applies what changed. */
  update(): void {
    const video = [...this.#peer.consumers.values()].filter((consumer) => consumer.kind === 'video' && !consumer.closed);
    const audio = this.#peer.consumers.size - video.length;
    const speaker = this.#room.speaker.peerId;
    const demands: ConsumerDemand[] = [];
    for (const consumer of video) {
      const view = this.#views.get(consumer.id) ?? { wanted: Infinity, visible: true };
      if (!view.visible) continue;
      const bitrates = layerBitrates(this.#room, consumer);
      const priority = priorityOf(consumer.appData.source === 'screen' ? 'screen' : 'cam', consumer.appData.peerId === speaker);
      demands.push({ id: consumer.id, wanted: Math.min(view.wanted, bitrates.length - 1), priority, layerBitrates: bitrates });
    }
    const caps = this.#caps.decide(this.#estimate?.available, demands, Date.now(), audio * AUDIO_RESERVE);
    let changed = false;
    for (const demand of demands) {
      const consumer = this.#peer.consumers.get(demand.id);
      if (!consumer) continue;
      const applied = this.#applied.get(consumer.id) ?? {};
      this.#applied.set(consumer.id, applied);
      const layer = caps.get(demand.id) ?? demand.wanted;
      if (consumer.type === 'simulcast' && applied.layer !== layer) {
        applied.layer = layer;
        changed = true;
        consumer.setPreferredLayers({ spatialLayer: layer }).catch(() => {});
      }
      if (applied.priority !== demand.priority) {
        applied.priority = demand.priority;
        consumer.setPriority(demand.priority).catch(() => {});
      }
    }
    if (changed) {
      const layers = demands.map((demand) => ({ id: demand.id, wanted: demand.wanted, cap: caps.get(demand.id), rates: demand.layerBitrates }));
      log.debug('layers', { peer: this.#peer.id, estimate: this.#estimate, layers });
    }
  }
}

/** Each spatial layer's bit rate, lowest first (layerRates.ts). */
function layerBitrates(room: Room, consumer: Consumer): number[] {
  return layerRates(room.peers.get(consumer.appData.peerId)?.producers.get(consumer.producerId), DEFAULT_LAYER_BITRATES);
}
