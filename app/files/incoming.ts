import type { FileMeta, NotificationData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { StoredChunk, StoredIncoming, TransferStore } from '../storage/transferStore.ts';
import { DownloadWriter } from './downloadWriter.ts';
import {
  ANSWER_LOST,
  DAMAGED,
  DOWNLOAD_FAILED,
  DOWNLOAD_WOULD_NOT_START,
  INTERRUPTED,
  NO_SERVICE_WORKER,
  STORAGE_FAILED,
} from './messages.ts';
import type { DownloadSink, Downloads, FileControl, TransferCounters, TransferPhase } from './ports.ts';
import { ResumeAsker } from './resumeAsker.ts';
import { IncrementalSha256, randomSecret } from './sha256.ts';
import type { Tuning } from './tuning.ts';

const log = createLogger('files');

/** What an incoming transfer needs around it. */
export type IncomingContext = {
  control: FileControl;
  downloads: Downloads;
  store: TransferStore;
  counters: TransferCounters;
  tuning: Tuning;
  now(): number;
  /** Something the person sees changed (`phase`: right away). */
  changed(phase: boolean): void;
};

/**
 * A file being received: chunks accepted strictly in order, hashed as they come, persisted in batches (record and
 * chunks in one transaction) before their offset is acknowledged, handed to the download in order and forgotten
 * once it took them; verified against the sender's SHA-256 at the end. Survives a reload through the store.
 */
export class IncomingTransfer {
  readonly id: string;
  readonly meta: FileMeta;
  readonly from: { peerId: string; name: string; key: string };
  readonly createdAt: number;
  phase: TransferPhase;
  error: string | undefined;
  readonly #ctx: IncomingContext;
  #secret: string | undefined;
  #hasher: IncrementalSha256 | undefined;
  #writer: DownloadWriter | undefined;
  /** Next byte expected on the wire. */
  #expected = 0;
  /** Bytes [0, persisted) are in the store (or the download). */
  #persisted = 0;
  #acked = 0;
  #batch: StoredChunk[] = [];
  #batchBytes = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushChain: Promise<void> = Promise.resolve();
  #expectedSha256: string | undefined;
  #lastArrivalAt: number;
  readonly #resume: ResumeAsker;
  #watch: ReturnType<typeof setInterval> | undefined;
  #lastAckAt = 0;
  #ackCooldown: ReturnType<typeof setTimeout> | undefined;
  #tellSenderCancelled = false;

  constructor(
    init: { id: string; meta: FileMeta; from: { peerId: string; name: string; key: string }; createdAt: number; phase: TransferPhase },
    ctx: IncomingContext,
  ) {
    this.id = init.id;
    this.meta = init.meta;
    this.from = { ...init.from };
    this.createdAt = init.createdAt;
    this.phase = init.phase;
    this.#ctx = ctx;
    this.#lastArrivalAt = ctx.now();
    this.#resume = new ResumeAsker({
      send: (offset) => ctx.control.resume({ transferId: this.id, secret: this.#secret!, offset }),
      wanted: () => this.#secret !== undefined && (this.phase === 'active' || this.phase === 'waiting'),
      failed: () => this.#setPhase('waiting'),
      tuning: ctx.tuning,
      now: ctx.now,
    });
  }

  static offered(data: NotificationData<'fileOffered'>, ctx: IncomingContext): IncomingTransfer {
    return new IncomingTransfer({ id: data.transferId, meta: data.meta, from: data.from, createdAt: ctx.now(), phase: 'offered' }, ctx);
  }

  /**
   * After a reload: the persisted offset and hash state from the store; the download is taken up again where the
   * service worker kept it open, and the kept chunks it lacks are written to it. Without it, failed in words.
   */
  static async restored(record: StoredIncoming, ctx: IncomingContext): Promise<IncomingTransfer> {
    const transfer = new IncomingTransfer({ ...record, phase: 'waiting' }, ctx);
    transfer.#secret = record.secret;
    transfer.#expected = transfer.#persisted = transfer.#acked = record.received;
    const sink = await ctx.downloads.reattach(record.id);
    if (!sink) {
      transfer.#tellSenderCancelled = true;
      await transfer.#fail(INTERRUPTED);
      return transfer;
    }
    transfer.#hasher = await IncrementalSha256.create(record.hashState);
    const kept = await ctx.store.loadChunks(record.id, sink.written);
    const covered = kept.reduce((end, chunk) => (chunk.offset <= end ? chunk.offset + chunk.bytes.byteLength : end), sink.written);
    if (covered < record.received) {
      transfer.#tellSenderCancelled = true;
      await sink.abort(INTERRUPTED).catch(() => {});
      await transfer.#fail(INTERRUPTED);
      return transfer;
    }
    transfer.#useSink(sink);
    transfer.#writer!.add(kept);
    transfer.#startWatch();
    return transfer;
  }

  get record(): StoredIncoming {
    return {
      direction: 'in',
      id: this.id,
      secret: this.#secret ?? '',
      meta: this.meta,
      from: this.from,
      received: this.#persisted,
      hashState: this.#hasher?.save() ?? new Uint8Array(),
      createdAt: this.createdAt,
    };
  }

  /** Bytes received and persisted. */
  get bytesDone(): number {
    return this.#persisted;
  }

  get finished(): boolean {
    return this.phase === 'done' || this.phase === 'declined' || this.phase === 'cancelled' || this.phase === 'failed';
  }

  async accept(): Promise<void> {
    if (this.phase !== 'offered' || this.#secret) return; // (a second tap while the first is under way)
    this.#secret = randomSecret();
    if (!this.#ctx.downloads.supported) return this.#refuse(NO_SERVICE_WORKER);
    try {
      // The download first, while the click that accepted is fresh (a browser may want one to start a download).
      this.#useSink(await this.#ctx.downloads.open(this.id, this.meta));
      this.#hasher = await IncrementalSha256.create();
      await this.#ctx.store.putTransfer(this.record);
    } catch (error) {
      log.warn('opening the download failed', error);
      return this.#refuse(DOWNLOAD_WOULD_NOT_START);
    }
    this.#setPhase('active');
    this.#lastArrivalAt = this.#ctx.now();
    this.#startWatch();
    try {
      await this.#ctx.control.answer({ transferId: this.id, accept: true, secret: this.#secret });
    } catch (error) {
      log.warn('fileAnswer failed', error);
      await this.#fail(ANSWER_LOST);
    }
  }

  /** Cannot receive here: failed in words on this side, declined toward the sender (so it does not wait). */
  async #refuse(reason: string): Promise<void> {
    await this.#fail(reason);
    await this.#ctx.control
      .answer({ transferId: this.id, accept: false, secret: randomSecret() })
      .catch((error: unknown) => log.warn('fileAnswer failed', error));
  }

  async decline(): Promise<void> {
    if (this.phase !== 'offered') return;
    this.#setPhase('declined');
    await this.#ctx.control
      .answer({ transferId: this.id, accept: false, secret: randomSecret() })
      .catch((error: unknown) => log.warn('fileAnswer failed', error));
  }

  /** A chunk frame: taken only at exactly the expected offset; anything else is dropped (a gap asks to resume). */
  frame(offset: number, payload: Uint8Array): void {
    const ctx = this.#ctx;
    if ((this.phase !== 'active' && this.phase !== 'waiting') || !this.#hasher || offset !== this.#expected) {
      ctx.counters.framesDiscarded++;
      // A gap: something was lost. (A duplicate asks nothing: the sender went back and is already sending past it.)
      if (offset > this.#expected && (this.phase === 'active' || this.phase === 'waiting')) this.#resume.gap(this.#expected);
      return;
    }
    if (offset + payload.byteLength > this.meta.size) {
      ctx.counters.framesDiscarded++;
      return;
    }
    // The payload is a view into the frame: kept as it is (a stored chunk carries its 25-byte header along, and the
    // download copies what it is given), which spares a copy of every received byte.
    const bytes = payload;
    this.#hasher.update(bytes);
    const chunk = { transferId: this.id, offset, bytes };
    this.#batch.push(chunk);
    // Into the download at once: the store keeps only what the download has not taken by the next flush, so a
    // fast download costs IndexedDB a small record per flush instead of the whole file written and deleted again.
    this.#writer?.add([chunk]);
    this.#batchBytes += bytes.byteLength;
    this.#expected += bytes.byteLength;
    this.#resume.flowing();
    ctx.counters.bytesReceived += bytes.byteLength;
    this.#lastArrivalAt = ctx.now();
    if (this.phase === 'waiting') this.#setPhase('active');
    if (this.#batchBytes >= ctx.tuning.flushBytes || this.#expected === this.meta.size) this.#flushNow();
    else this.#flushTimer ??= setTimeout(() => this.#flushNow(), ctx.tuning.flushMs);
  }

  #flushNow(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#batch.length === 0) return;
    // Taken together, synchronously: the hash state covers exactly the bytes up to `received`.
    const batch = this.#batch;
    const record = { ...this.record, received: this.#expected };
    this.#batch = [];
    this.#batchBytes = 0;
    this.#flushChain = this.#flushChain.then(async () => {
      if (this.finished) return;
      // Chunks the download has taken are safe with it (a reload takes the same download up again); the rest is kept.
      const keepFrom = this.#writer?.firstUnwritten ?? record.received;
      const unwritten = batch.filter((chunk) => chunk.offset >= keepFrom);
      try {
        await this.#ctx.store.persistReceived(record, unwritten, keepFrom);
      } catch (error) {
        log.warn('persisting received bytes failed', error);
        return this.#fail(STORAGE_FAILED);
      }
      this.#persisted = record.received;
      this.#ctx.changed(false);
      this.#maybeAck();
    });
  }

  /** Acknowledges the persisted offset, unless too much waits for the download (then the sender's window stalls). */
  #maybeAck(): void {
    // Acks share the connection's signaling budget (50 messages a second by default): on a fast link they are
    // coalesced to one per `minAckIntervalMs`, each for everything persisted by then.
    if (this.#persisted <= this.#acked || this.#holding || this.#ackCooldown) return;
    this.#sendAck(this.#persisted);
    this.#ackCooldown = setTimeout(() => {
      this.#ackCooldown = undefined;
      if (!this.finished) this.#maybeAck();
    }, this.#ctx.tuning.minAckIntervalMs);
  }

  get #holding(): boolean {
    return this.#persisted - (this.#writer?.written ?? 0) > this.#ctx.tuning.maxPendingDownload;
  }

  #sendAck(offset: number): void {
    this.#acked = offset;
    this.#lastAckAt = this.#ctx.now();
    this.#ctx.control.ack({ transferId: this.id, offset }).catch((error: unknown) => log.warn('fileAck failed', error));
  }

  #useSink(sink: DownloadSink): void {
    this.#writer = new DownloadWriter(sink, {
      written: () => {
        this.#maybeAck();
        void this.#checkComplete();
      },
      failed: (error) => {
        log.warn('the download refused bytes', error);
        void this.#fail(DOWNLOAD_FAILED);
      },
    });
  }

  /** The sender saw every byte acknowledged: compare digests once the download has every byte. */
  async done(data: NotificationData<'fileDone'>): Promise<void> {
    if (this.finished) return;
    this.#expectedSha256 = data.sha256;
    await this.#checkComplete();
  }

  async #checkComplete(): Promise<void> {
    const writer = this.#writer;
    if (!writer || !this.#hasher || this.#expectedSha256 === undefined || this.finished || this.phase === 'verifying') return;
    if (this.#persisted < this.meta.size || writer.written < this.meta.size || !writer.idle) return;
    this.#setPhase('verifying');
    const ok = this.#hasher.digest() === this.#expectedSha256;
    await this.#ctx.control.verified({ transferId: this.id, ok }).catch((error: unknown) => log.warn('fileVerified failed', error));
    if (!ok) return this.#fail(DAMAGED);
    await writer.sink.close().catch((error: unknown) => log.warn('closing the download failed', error));
    this.#end('done');
  }

  /** After every (re)join: ask the sender to continue from what is persisted here (or tell it this side gave up). */
  joined(): void {
    if (this.#tellSenderCancelled && this.#secret) {
      this.#tellSenderCancelled = false;
      this.#ctx.control
        .cancel({ transferId: this.id, secret: this.#secret })
        .catch((error: unknown) => log.warn('fileCancel failed', error));
    }
    this.#resume.ask(this.#expected);
  }

  /** Periodic care: a silent sender is asked to resume; a held-back acknowledgement is repeated so the sender waits. */
  #startWatch(): void {
    this.#watch ??= setInterval(() => {
      const { tuning, now } = this.#ctx;
      if (this.phase !== 'active' && this.phase !== 'waiting') return;
      if (this.#holding) {
        if (now() - this.#lastAckAt >= tuning.holdAckRepeatMs) this.#sendAck(this.#acked);
        return;
      }
      if (this.#expected < this.meta.size) this.#resume.askIfIdle(this.#expected, this.#lastArrivalAt);
    }, this.#ctx.tuning.stallCheckMs);
  }

  /** Cancel here: the sender stops sending to this side, and the download is dropped. */
  async cancel(): Promise<void> {
    if (this.finished) return;
    if (this.#secret && this.phase !== 'offered') {
      await this.#ctx.control
        .cancel({ transferId: this.id, secret: this.#secret })
        .catch((error: unknown) => log.warn('fileCancel failed', error));
    } else if (this.phase === 'offered') return this.decline();
    this.#writer?.stop();
    await this.#writer?.sink.abort('Cancelled').catch(() => {});
    this.#end('cancelled');
  }

  /** The sender (or the server, the sender gone for good) cancelled. */
  async cancelledBy(data: NotificationData<'fileCancelled'>): Promise<void> {
    if (this.finished) return;
    this.#writer?.stop();
    await this.#writer?.sink.abort(data.by === 'sender' ? 'The sender cancelled' : 'Cancelled').catch(() => {});
    this.#end('cancelled');
  }

  async #fail(reason: string): Promise<void> {
    if (this.finished) return;
    this.error = reason;
    this.#writer?.stop();
    await this.#writer?.sink.abort(reason).catch(() => {});
    this.#end('failed');
  }

  #end(phase: TransferPhase): void {
    this.#setPhase(phase);
    this.dispose();
    this.#writer?.stop();
    this.#batch = [];
    // After the last flush, so a flush in flight cannot put the record back.
    this.#flushChain = this.#flushChain
      .then(() => this.#ctx.store.removeTransfer(this.id))
      .catch((error: unknown) => log.warn('forgetting a transfer failed', error));
  }

  #setPhase(phase: TransferPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.#ctx.changed(true);
  }

  /** Stops timers (the transfer ended, or the engine is going away). */
  dispose(): void {
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#ackCooldown);
    this.#ackCooldown = undefined;
    this.#resume.stop();
    clearInterval(this.#watch);
    this.#flushTimer = this.#watch = undefined;
  }

  /** For tests: resolves once every batch so far is persisted. */
  settled(): Promise<void> {
    return this.#flushChain;
  }
}
