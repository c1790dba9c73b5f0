import type { Device } from 'mediasoup-client';
import type {
  Consumer,
  DataConsumer,
  DataProducer,
  Producer,
  ProducerOptions,
  RtpCapabilities,
  SctpStreamParameters,
  Transport,
} from 'mediasoup-client/types';
import type { DataLabel, MediaSource, RequestData, ResponseData, TransportDirection } from '../../shared/protocol/index.ts';
import { createDevice } from './device.ts';
import type { SignalingClient } from './signaling.ts';

type JoinReply = ResponseData<'join'>;
export type TransportState = RTCPeerConnectionState;

/** How long a transport may sit in `disconnected` before we restart ICE rather than wait for it to heal. */
const DISCONNECTED_GRACE_MS = 2_000;

/**
 * One mediasoup session: the device and a send and a receive transport on the server's router. Everything here
 * dies with the server-side peer; a fresh join builds a new one.
 */
export class SfuSession {
  readonly device: Device;
  readonly #signaling: SignalingClient;
  readonly #transports = new Map<TransportDirection, Transport>();
  readonly #onState: (direction: TransportDirection, state: TransportState) => void;
  #closed = false;

  private constructor(
    device: Device,
    signaling: SignalingClient,
    onState: (direction: TransportDirection, state: TransportState) => void,
  ) {
    this.device = device;
    this.#signaling = signaling;
    this.#onState = onState;
  }

  static async start(
    signaling: SignalingClient,
    join: JoinReply,
    onState: (direction: TransportDirection, state: TransportState) => void,
  ): Promise<SfuSession> {
    const device = createDevice();
    await device.load({ routerRtpCapabilities: join.routerRtpCapabilities as RtpCapabilities });
    const session = new SfuSession(device, signaling, onState);
    const steps = await Promise.allSettled([
      signaling.request('setCapabilities', { rtpCapabilities: device.rtpCapabilities }),
      session.#createTransport('send', join),
      session.#createTransport('recv', join),
    ]);
    const failed = steps.find((step) => step.status === 'rejected');
    if (failed) {
      // Half built: whatever transport did get made must not linger, here or on the server.
      session.#abandon();
      throw failed.reason;
    }
    return session;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Publishes a track; `paused` publishes it muted from the start, so nobody hears or sees a first moment of it. */
  async produce(
    source: MediaSource,
    track: MediaStreamTrack,
    options: Omit<ProducerOptions, 'track'> = {},
    paused = false,
  ): Promise<Producer> {
    // The caller owns the track: it must survive this session (a rejoin publishes the same track again).
    const producer = await this.#transport('send').produce({ ...options, track, stopTracks: false, appData: { source, paused } });
    if (paused) producer.pause(); // locally; the server created it paused already
    return producer;
  }

  /** Consumes a remote producer: server creates it paused, we wire it up, then ask the server to resume. */
  async consume(producerId: string): Promise<{ consumer: Consumer; peerId: string; source: MediaSource; producerPaused: boolean }> {
    const reply = await this.#signaling.request('consume', { producerId });
    let consumer: Consumer | undefined;
    try {
      consumer = await this.#transport('recv').consume({
        id: reply.consumerId,
        producerId: reply.producerId,
        kind: reply.kind,
        rtpParameters: reply.rtpParameters as Parameters<Transport['consume']>[0]['rtpParameters'],
      });
      await this.#signaling.request('resumeConsumer', { consumerId: consumer.id });
      return { consumer, peerId: reply.peerId, source: reply.source, producerPaused: reply.producerPaused };
    } catch (error) {
      // The server made a consumer for us; without a local one it would forward to nobody until we leave.
      this.#closeServerConsumer(reply.consumerId);
      consumer?.close();
      throw error;
    }
  }

  /**
   * Opens this peer's reliable, ordered data channel `label` (a DataProducer on the send transport); a `file` one
   * carries the link `linkId` (see openFileLink).
   */
  produceData(label: DataLabel, linkId?: string): Promise<DataProducer> {
    return this.#transport('send').produceData({ label, ordered: true, appData: linkId ? { linkId } : {} });
  }

  /** Receives a DataProducer (the room's chat feed, a file link made for us) on the receive transport. */
  async consumeData(dataProducerId: string): Promise<DataConsumer> {
    const reply = await this.#signaling.request('consumeData', { dataProducerId });
    const dataConsumer = await this.#transport('recv').consumeData({
      id: reply.dataConsumerId,
      dataProducerId: reply.dataProducerId,
      sctpStreamParameters: reply.sctpStreamParameters as SctpStreamParameters,
      label: reply.label,
    });
    dataConsumer.binaryType = 'arraybuffer'; // file chunks are read at once, never as Blobs
    return dataConsumer;
  }

  /** Stops receiving a stream we no longer want: closes the consumer here and on the server. */
  dropConsumer(consumer: Consumer): void {
    consumer.close();
    if (!this.#closed) this.#closeServerConsumer(consumer.id);
  }

  /**
   * After a signaling resume: takes the fresh ICE servers (TURN credentials expire) and restarts ICE on every
   * transport that is not connected.
   */
  async refreshIce(iceServers: RTCIceServer[]): Promise<void> {
    await Promise.all([...this.#transports.values()].map((transport) => transport.updateIceServers({ iceServers })));
    await Promise.all(
      [...this.#transports.values()]
        .filter((transport) => !transport.closed && transport.connectionState !== 'connected')
        .map((transport) => this.#restartIce(transport)),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of this.#transports.values()) transport.close();
    this.#transports.clear();
  }

  /** Closes the transports of a session that never got going, and tells the server to close them too. */
  #abandon(): void {
    for (const transport of this.#transports.values()) {
      void this.#signaling.request('closeTransport', { transportId: transport.id }).catch(() => {});
    }
    this.close();
  }

  #closeServerConsumer(consumerId: string): void {
    // Best effort: when signaling is down, the server-side peer is either resumed (and a new consume of the same
    // producer replaces this consumer) or gone with everything it had.
    void this.#signaling.request('closeConsumer', { consumerId }).catch(() => {});
  }

  #transport(direction: TransportDirection): Transport {
    const transport = this.#transports.get(direction);
    if (!transport || this.#closed) throw new Error(`No ${direction} transport`);
    return transport;
  }

  async #createTransport(direction: TransportDirection, join: JoinReply): Promise<void> {
    const reply = await this.#signaling.request('createTransport', { direction });
    const options = {
      id: reply.transportId,
      iceParameters: reply.iceParameters,
      iceCandidates: reply.iceCandidates,
      dtlsParameters: reply.dtlsParameters,
      sctpParameters: reply.sctpParameters,
      iceServers: join.iceServers,
      iceTransportPolicy: join.iceTransportPolicy,
    } as Parameters<Device['createSendTransport']>[0];
    const transport = direction === 'send' ? this.device.createSendTransport(options) : this.device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#signaling
        .request('connectTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.#signaling
          .request('produce', {
            transportId: transport.id,
            kind,
            rtpParameters,
            source: appData.source as MediaSource,
            paused: appData.paused === true,
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
      transport.on('producedata', ({ sctpStreamParameters, label, appData }, callback, errback) => {
        this.#signaling
          .request('produceData', {
            transportId: transport.id,
            label: label as DataLabel,
            sctpStreamParameters: sctpStreamParameters as RequestData<'produceData'>['sctpStreamParameters'],
            ...(typeof appData.linkId === 'string' ? { linkId: appData.linkId } : {}),
          })
          .then(({ dataProducerId }) => callback({ id: dataProducerId }), errback);
      });
    }
    this.#watch(direction, transport);
    this.#transports.set(direction, transport);
  }

  #watch(direction: TransportDirection, transport: Transport): void {
    let disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
    transport.on('connectionstatechange', (state) => {
      this.#onState(direction, state);
      clearTimeout(disconnectedTimer);
      if (state === 'failed') void this.#restartIce(transport);
      if (state === 'disconnected') {
        disconnectedTimer = setTimeout(() => {
          if (transport.connectionState === 'disconnected') void this.#restartIce(transport);
        }, DISCONNECTED_GRACE_MS);
      }
    });
  }

  async #restartIce(transport: Transport): Promise<void> {
    if (this.#closed || transport.closed) return;
    try {
      const { iceParameters, iceServers } = await this.#signaling.request('restartIce', { transportId: transport.id });
      // Fresh TURN credentials first: those from the join may have expired by now.
      await transport.updateIceServers({ iceServers });
      await transport.restartIce({ iceParameters });
    } catch {
      // Signaling is down: the call controller restarts ICE again once it reconnects.
    }
  }
}
