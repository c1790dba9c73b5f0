import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';

/**
 * One end of the media link between this server's router for a room and another server's router for the same
 * room: a PipeTransport on each side, connected to each other's address. What one server's people produce is
 * exported (a pipe consumer here) and imported on the other side (a producer with the same id there), so the other
 * server's people consume it as if it were local. The two ends agree through messages carried by the cluster bus:
 * this module only builds and tears down the mediasoup objects and says what the other side must be told.
 */

/** Where this end listens; the other end connects to it. */
export type LinkEndpoint = {
  ip: string;
  port: number;
  srtpParameters?: types.SrtpParameters;
};

/** What the other server needs to produce its copy of one of our producers, with the same id. */
export type ExportedProducer = {
  producerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  paused: boolean;
  appData: Record<string, unknown>;
};

/** The same for a data producer (chat frames stay on the bus; file links ride the pipe's SCTP association). */
export type ExportedDataProducer = {
  dataProducerId: string;
  label: string;
  protocol: string;
  sctpStreamParameters: types.SctpStreamParameters;
  appData: Record<string, unknown>;
};

/** What changed about an exported producer, for the other end to mirror on its copy. */
export type ExportChange =
  | { kind: 'paused'; producerId: string; paused: boolean }
  | { kind: 'closed'; producerId: string }
  | { kind: 'dataClosed'; dataProducerId: string };

type LinkEvents = { change: [ExportChange]; close: [] };

export type LinkOptions = {
  /** The local address to listen on (RTC_LISTEN_IP) and the one the other server reaches (CLUSTER_ADDRESS). */
  listenIp: string;
  announcedAddress: string;
  /** Encrypt the link: worth it when servers talk over a network that others share. */
  enableSrtp: boolean;
  /**
   * The pipe's SCTP send buffer (chat feeds and file links cross it): as large as toward a person (SCTP_SEND_BUFFER_SIZE),
   * since a link carries what several people are sent. Left out: mediasoup's pipe default, 2 MB.
   */
  sctpSendBufferSize?: number;
};

export class ServerLink extends EventEmitter<LinkEvents> {
  readonly #transport: types.PipeTransport;
  readonly #announcedAddress: string;
  readonly #exports = new Map<string, types.Consumer>();
  readonly #dataExports = new Map<string, types.DataConsumer>();
  readonly #imports = new Map<string, types.Producer>();
  readonly #dataImports = new Map<string, types.DataProducer>();
  #connected = false;
  /** A wait for the SCTP association, while one is on (see sctpConnected). */
  #sctpWait: Promise<boolean> | undefined;

  private constructor(transport: types.PipeTransport, announcedAddress: string) {
    super();
    this.#transport = transport;
    this.#announcedAddress = announcedAddress;
    transport.observer.once('close', () => this.emit('close'));
  }

  static async open(router: types.Router, options: LinkOptions): Promise<ServerLink> {
    const transport = await router.createPipeTransport({
      listenInfo: { protocol: 'udp', ip: options.listenIp, announcedAddress: options.announcedAddress },
      enableSctp: true,
      // Unlike two workers on one machine, two servers can lose packets between them: let the pipe repair them.
      enableRtx: true,
      enableSrtp: options.enableSrtp,
      ...(options.sctpSendBufferSize
        ? { sctpSendBufferSize: options.sctpSendBufferSize, sctpPerStreamSendQueueLimit: options.sctpSendBufferSize }
        : {}),
    });
    return new ServerLink(transport, options.announcedAddress);
  }

  get closed(): boolean {
    return this.#transport.closed;
  }

  get endpoint(): LinkEndpoint {
    const { localPort } = this.#transport.tuple;
    const srtpParameters = this.#transport.srtpParameters;
    return { ip: this.#announcedAddress, port: localPort, ...(srtpParameters ? { srtpParameters } : {}) };
  }

  /** Connects to the other end; once only (a new link replaces a broken one). */
  async connect(remote: LinkEndpoint): Promise<void> {
    if (this.#connected) throw new Error('This link is already connected');
    this.#connected = true;
    await this.#transport.connect(remote);
  }

  /**
   * Starts sending one of this router's producers to the other end; idempotent per producer. `appData` is what the
   * other end's copy carries (whose it is, which source).
   */
  async exportProducer(producerId: string, appData: Record<string, unknown> = {}): Promise<ExportedProducer> {
    const existing = this.#exports.get(producerId);
    const consumer = existing ?? (await this.#transport.consume({ producerId }));
    if (!existing) {
      keepWhileOpen(this.#exports, producerId, consumer, () => this.#exportEnded({ kind: 'closed', producerId }));
      consumer.on('producerpause', () => this.emit('change', { kind: 'paused', producerId, paused: true }));
      consumer.on('producerresume', () => this.emit('change', { kind: 'paused', producerId, paused: false }));
    }
    return {
      producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      paused: consumer.producerPaused,
      appData,
    };
  }

  /** Stops sending a producer that this server no longer offers to the other end. */
  unexportProducer(producerId: string): void {
    this.#exports.get(producerId)?.close();
  }

  /** Makes the other end's producer available on this router under the same id. */
  async importProducer(exported: ExportedProducer): Promise<types.Producer> {
    this.#imports.get(exported.producerId)?.close();
    const producer = await this.#transport.produce({
      id: exported.producerId,
      kind: exported.kind,
      rtpParameters: exported.rtpParameters,
      paused: exported.paused,
      appData: exported.appData,
    });
    keepWhileOpen(this.#imports, exported.producerId, producer);
    return producer;
  }

  /**
   * Resolves true once the pipe's SCTP association is up (data sent before is lost, unlike RTP, which a late
   * consumer simply starts to see), false if the link closes or `timeoutMs` passes first. Callers meanwhile share
   * one wait.
   */
  sctpConnected(timeoutMs: number): Promise<boolean> {
    const transport = this.#transport;
    if (transport.sctpState === 'connected') return Promise.resolve(true);
    if (transport.closed) return Promise.resolve(false);
    this.#sctpWait ??= new Promise<boolean>((resolve) => {
      const done = (connected: boolean) => {
        clearTimeout(timer);
        transport.off('sctpstatechange', changed);
        transport.observer.off('close', closed);
        this.#sctpWait = undefined;
        resolve(connected);
      };
      const changed = (state: types.SctpState) => {
        if (state === 'connected') done(true);
      };
      const closed = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      transport.on('sctpstatechange', changed);
      transport.observer.once('close', closed);
    });
    return this.#sctpWait;
  }

  async exportDataProducer(dataProducerId: string, appData: Record<string, unknown> = {}): Promise<ExportedDataProducer> {
    const existing = this.#dataExports.get(dataProducerId);
    const consumer = existing ?? (await this.#transport.consumeData({ dataProducerId }));
    if (!existing) keepWhileOpen(this.#dataExports, dataProducerId, consumer, () => this.#exportEnded({ kind: 'dataClosed', dataProducerId }));
    const sctpStreamParameters = consumer.sctpStreamParameters;
    if (!sctpStreamParameters) throw new Error('A pipe data consumer without SCTP stream parameters');
    return { dataProducerId, label: consumer.label, protocol: consumer.protocol, sctpStreamParameters, appData };
  }

  async importDataProducer(exported: ExportedDataProducer): Promise<types.DataProducer> {
    this.#dataImports.get(exported.dataProducerId)?.close();
    const dataProducer = await this.#transport.produceData({
      id: exported.dataProducerId,
      sctpStreamParameters: exported.sctpStreamParameters,
      label: exported.label,
      protocol: exported.protocol,
      appData: exported.appData,
    });
    keepWhileOpen(this.#dataImports, exported.dataProducerId, dataProducer);
    return dataProducer;
  }

  /** Mirrors a change the other end reported about one of its exports. Unknown ids are ignored (already gone). */
  async apply(change: ExportChange): Promise<void> {
    if (change.kind === 'dataClosed') {
      this.#dataImports.get(change.dataProducerId)?.close();
      return;
    }
    const producer = this.#imports.get(change.producerId);
    if (!producer) return;
    if (change.kind === 'closed') producer.close();
    else if (change.paused) await producer.pause();
    else await producer.resume();
  }

  /** An export closed with its producer (not with the link): the other end's copy must go too. */
  #exportEnded(change: ExportChange): void {
    if (!this.#transport.closed) this.emit('change', change);
  }

  /** Closes the pipe and everything imported through it: their consumers here get `producerclose`. */
  close(): void {
    this.#transport.close();
  }
}

/** Keeps `object` under `id` until it closes (unless a newer one took its place meanwhile), then calls `closed`. */
function keepWhileOpen<T extends { observer: { once(event: 'close', listener: () => void): unknown } }>(
  map: Map<string, T>,
  id: string,
  object: T,
  closed?: () => void,
): void {
  map.set(id, object);
  object.observer.once('close', () => {
    if (map.get(id) === object) map.delete(id);
    closed?.();
  });
}
