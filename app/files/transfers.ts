import { decodeChunkFrame, type NotificationData } from '../../shared/protocol/index.ts';
import { createSerialQueue } from '../call/serialQueue.ts';
import { holdWakeLock } from '../call/wakeLock.ts';
import { createLogger } from '../log.ts';
import type { StoredOutgoing, TransferStore } from '../storage/transferStore.ts';
import { IncomingTransfer, type IncomingContext } from './incoming.ts';
import { OutgoingTransfer, type OutgoingContext } from './outgoing.ts';
import type { Downloads, FileControl, FileLinks, FileSource, TransferCounters, TransferView } from './ports.ts';
import { ChunkPump } from './pump.ts';
import { RateMeter } from './rate.ts';
import type { FileNotificationMethod } from './transferNotifications.ts';
import { transferView, type Transfer } from './transferView.ts';
import { defaultTuning, type Tuning } from './tuning.ts';

const log = createLogger('files');

export type FileTransfersDeps = {
  control: FileControl;
  downloads: Downloads;
  store: TransferStore;
  nameOf(peerId: string): string;
  onChange(views: TransferView[]): void;
  /** For tests: a clock, smaller sizes and timings, a stand-in for the Screen Wake Lock. */
  now?: () => number;
  tuning?: Partial<Tuning>;
  holdWakeLock?: () => () => void;
};

/**
 * Every file transfer of this page, in and out: the one object the room wires to signaling (requests out,
 * notifications in), to the file links of each media session, to the service-worker downloads and to IndexedDB.
 *
 * How delivery holds up (mediasoup may drop chunks, ../shared/notes/datachannels.md): the receiver takes chunks only
 * in order, persists them and then acknowledges; the sender keeps at most a window unacknowledged per recipient and
 * goes back on a `fileResume` (a gap, a reconnect, a reload) or a stall (outgoing.ts). Chunks several recipients need
 * go once on the link toward exactly them; one a little behind catches up alone while the others wait for it
 * (outgoing.ts `plan`). The pump takes transfers in turn under one cap on queued bytes (pump.ts). Wiring: `restore()`
 * at start-up, then `joined()` after every join and `sessionStarted`/`sessionEnded` around each media session.
 */
export class FileTransfers {
  readonly counters: TransferCounters = { bytesSent: 0, bytesResent: 0, bytesReceived: 0, framesDiscarded: 0 };
  readonly #deps: FileTransfersDeps;
  readonly #tuning: Tuning;
  readonly #now: () => number;
  readonly #transfers = new Map<string, Transfer>();
  readonly #rates = new Map<string, RateMeter>();
  readonly #pump: ChunkPump;
  readonly #outgoingCtx: OutgoingContext;
  readonly #incomingCtx: IncomingContext;
  /** Store writes of outgoing records, in order (a late put must not bring back a removed transfer). */
  readonly #storeQueue = createSerialQueue();
  #joined = false;
  #myPeerId: string | undefined;
  #online = false;
  #tick: ReturnType<typeof setInterval> | undefined;
  #emitTimer: ReturnType<typeof setTimeout> | undefined;
  #lastEmitAt = -Infinity;
  #releaseWakeLock: (() => void) | undefined;

  constructor(deps: FileTransfersDeps) {
    this.#deps = deps;
    this.#tuning = { ...defaultTuning, ...deps.tuning };
    this.#now = deps.now ?? (() => Date.now());
    this.#pump = new ChunkPump(() => this.#outgoing(), this.#tuning.maxQueuedOnLinks);
    const shared = {
      control: deps.control,
      counters: this.counters,
      tuning: this.#tuning,
      now: this.#now,
      changed: (phase: boolean) => this.#changed(phase),
    };
    this.#outgoingCtx = { ...shared, wake: () => this.#pump.wake(), persist: (record) => this.#persist(record) };
    this.#incomingCtx = { ...shared, downloads: deps.downloads, store: deps.store };
    if (typeof window !== 'undefined') (window as unknown as { __huddleFiles: TransferCounters }).__huddleFiles = this.counters;
  }

  /** Unfinished transfers kept from before a reload: incoming ones take up their download, outgoing ones need the file again. */
  async restore(): Promise<void> {
    for (const record of await this.#deps.store.loadTransfers()) {
      if (this.#transfers.has(record.id)) continue;
      if (record.direction === 'out') this.#transfers.set(record.id, new OutgoingTransfer(record, undefined, this.#outgoingCtx));
      else {
        const transfer = await IncomingTransfer.restored(record, this.#incomingCtx).catch((error: unknown) => {
          log.warn('a kept transfer could not be taken up again', error);
          return undefined;
        });
        if (transfer) this.#transfers.set(record.id, transfer);
        else await this.#deps.store.removeTransfer(record.id).catch(() => {});
      }
    }
    this.#changed(true);
  }

  /** A media session began: its file links carry chunks until it ends. */
  sessionStarted(links: FileLinks, myPeerId: string): void {
    this.#myPeerId = myPeerId;
    for (const transfer of this.#outgoing()) transfer.restart();
    this.#online = true;
    this.#pump.setLinks(links);
    clearInterval(this.#tick);
    this.#tick = setInterval(() => {
      for (const transfer of this.#outgoing()) transfer.checkStalls();
      this.#pump.wake();
      if ([...this.#transfers.values()].some((transfer) => !transfer.finished)) this.#changed(false); // speeds fall while nothing moves
    }, this.#tuning.stallCheckMs);
    this.#changed(true);
  }

  sessionEnded(): void {
    this.#online = false;
    this.#pump.setLinks(undefined);
    clearInterval(this.#tick);
    this.#tick = undefined;
    this.#changed(true);
  }

  /** After every (re)join: offer unfinished outgoing transfers again, ask senders of incoming ones to resume. */
  joined(): void {
    this.#joined = true;
    for (const transfer of this.#transfers.values()) {
      if (transfer instanceof IncomingTransfer) transfer.joined();
      else if (transfer.source && !transfer.finished)
        void this.#offer(transfer).catch((error: unknown) => log.warn('offering again failed', error));
    }
  }

  /** Offers a file to these peers; resolves with the transfer id once the server took the offer. */
  async send(file: FileSource, to: { peerId: string }[], everyone: boolean): Promise<string> {
    const peerIds = new Set(to.map((recipient) => recipient.peerId).filter((peerId) => peerId !== this.#myPeerId));
    if (peerIds.size === 0) throw new Error('There is nobody to send the file to.');
    const recipients = [...peerIds].map((peerId) => ({ peerId }));
    const transfer = await OutgoingTransfer.create(file, recipients, everyone, this.#outgoingCtx);
    this.#transfers.set(transfer.id, transfer);
    try {
      await this.#offer(transfer);
    } catch (error) {
      transfer.cancel();
      this.#transfers.delete(transfer.id);
      this.#changed(true);
      throw error;
    }
    this.#persist(transfer.record);
    this.#changed(true);
    return transfer.id;
  }

  async #offer(transfer: OutgoingTransfer): Promise<void> {
    const reply = await this.#deps.control.offer(transfer.offerRequest());
    transfer.offered(reply);
    this.#pump.wake();
  }

  async accept(id: string): Promise<void> {
    await this.#incomingById(id)?.accept();
  }

  async decline(id: string): Promise<void> {
    await this.#incomingById(id)?.decline();
  }

  /** Cancels here: an outgoing transfer for everyone, an incoming one for this side. */
  async cancel(id: string): Promise<void> {
    const transfer = this.#transfers.get(id);
    if (transfer instanceof IncomingTransfer) return transfer.cancel();
    if (!transfer || transfer.finished) return;
    transfer.cancel();
    void this.#storeQueue(() => this.#deps.store.removeTransfer(id));
    await this.#deps.control
      .cancel({ transferId: id, secret: transfer.secret })
      .catch((error: unknown) => log.warn('fileCancel failed', error));
  }

  /** The same file picked again after a reload; rejects in words when it is not the same. */
  async provideFile(id: string, file: FileSource): Promise<void> {
    const transfer = this.#transfers.get(id);
    if (!(transfer instanceof OutgoingTransfer)) throw new Error('That transfer is no longer here.');
    await transfer.provide(file);
    // Offline now: the next join offers it again.
    if (this.#joined) await this.#offer(transfer).catch((error: unknown) => log.warn('offering again failed', error));
    this.#pump.wake();
  }

  /** A file notification from signaling (already validated). */
  notification<M extends FileNotificationMethod>(method: M, data: NotificationData<M>): void {
    (this.#handlers[method] as (data: NotificationData<M>) => void)(data);
  }

  readonly #handlers: { [M in FileNotificationMethod]: (data: NotificationData<M>) => void } = {
    fileOffered: (data) => {
      if (this.#transfers.has(data.transferId)) return; // offered again after a reconnect: it is here already
      this.#transfers.set(data.transferId, IncomingTransfer.offered(data, this.#incomingCtx));
      this.#changed(true);
    },
    fileAnswered: (data) => this.#outgoingById(data.transferId)?.answered(data),
    fileAcked: (data) => this.#outgoingById(data.transferId)?.acked(data),
    fileResumeFrom: (data) => this.#outgoingById(data.transferId)?.resumeFrom(data),
    fileVerified: (data) => this.#outgoingById(data.transferId)?.verified(data),
    fileDone: (data) => void this.#incomingById(data.transferId)?.done(data),
    fileCancelled: (data) => {
      const transfer = this.#transfers.get(data.transferId);
      if (transfer instanceof IncomingTransfer) void transfer.cancelledBy(data);
      else transfer?.cancelledBy(data);
    },
  };

  /** `peerId`'s page consumes one of our file links (`fileLinkReady`): a new session there, if it had one before. */
  linkConsumed(peerId: string): void {
    for (const transfer of this.#outgoing()) transfer.receiverLinked(peerId);
  }

  /** A binary frame from any file link. */
  frame(data: ArrayBuffer): void {
    const chunk = decodeChunkFrame(data);
    const transfer = chunk && this.#transfers.get(chunk.transferId);
    if (chunk && transfer instanceof IncomingTransfer) transfer.frame(chunk.offset, chunk.payload);
    else this.counters.framesDiscarded++;
  }

  /** Stops timers (the page is leaving the room for good). */
  dispose(): void {
    this.sessionEnded();
    clearTimeout(this.#emitTimer);
    for (const transfer of this.#transfers.values()) if (transfer instanceof IncomingTransfer) transfer.dispose();
    this.#releaseWakeLock?.();
    this.#releaseWakeLock = undefined;
  }

  get views(): TransferView[] {
    const now = this.#now();
    return [...this.#transfers.values()].map((transfer) => {
      const rate = this.#rates.get(transfer.id) ?? this.#rates.set(transfer.id, new RateMeter()).get(transfer.id)!;
      return transferView(transfer, { now, online: this.#online, rate, nameOf: (peerId) => this.#deps.nameOf(peerId) });
    });
  }

  /** Tells the UI: right away for a phase change, otherwise at most every `viewThrottleMs`. */
  #changed(phase: boolean): void {
    const wait = this.#lastEmitAt + this.#tuning.viewThrottleMs - this.#now();
    if (phase || wait <= 0) return this.#emit();
    this.#emitTimer ??= setTimeout(() => this.#emit(), wait);
  }

  #emit(): void {
    clearTimeout(this.#emitTimer);
    this.#emitTimer = undefined;
    this.#lastEmitAt = this.#now();
    const views = this.views;
    this.#holdScreenOn(views.some((view) => view.phase === 'active' || view.phase === 'verifying'));
    this.#deps.onChange(views);
  }

  /** A Screen Wake Lock while any transfer runs, so a phone does not lock (and drop the connection) midway. */
  #holdScreenOn(running: boolean): void {
    if (running && !this.#releaseWakeLock) this.#releaseWakeLock = (this.#deps.holdWakeLock ?? holdWakeLock)();
    else if (!running && this.#releaseWakeLock) {
      this.#releaseWakeLock();
      this.#releaseWakeLock = undefined;
    }
  }

  #persist(record: StoredOutgoing): void {
    const over = record.recipients.every((recipient) => recipient.state !== 'offered' && recipient.state !== 'accepted');
    void this.#storeQueue(() => (over ? this.#deps.store.removeTransfer(record.id) : this.#deps.store.putTransfer(record))).catch(
      (error: unknown) => log.warn('keeping an outgoing transfer failed', error),
    );
  }

  #outgoing(): OutgoingTransfer[] {
    return [...this.#transfers.values()].filter((transfer): transfer is OutgoingTransfer => transfer instanceof OutgoingTransfer);
  }

  #outgoingById(id: string): OutgoingTransfer | undefined {
    const transfer = this.#transfers.get(id);
    return transfer instanceof OutgoingTransfer ? transfer : undefined;
  }

  #incomingById(id: string): IncomingTransfer | undefined {
    const transfer = this.#transfers.get(id);
    return transfer instanceof IncomingTransfer ? transfer : undefined;
  }
}
