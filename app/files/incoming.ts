import type { FileMeta, NotificationData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { StoredIncoming, TransferStore } from '../storage/transferStore.ts';
import { AckPacer } from './ackPacer.ts';
import { takeUpDownload } from './downloadTakeUp.ts';
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
import { ReceivedBatches } from './receivedBatches.ts';
import { SenderWatch } from './senderWatch.ts';
import { IncrementalSha256, randomSecret } from './sha256.ts';
import type { Tuning } from './tuning.ts';

const log = createLogger('files');
const warnFailed = (what: string) => (error: unknown) => log.warn(`${what} failed`, error);

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
 * chunks in one transaction, receivedBatches.ts) before their offset is acknowledged (ackPacer.ts), handed to the
 * download in order and forgotten once it took them; verified against the sender's SHA-256 at the end. Survives a
 * reload through the store.
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
  #expected: number;
  readonly #batches: ReceivedBatches;
  readonly #acks: AckPacer;
  #expectedSha256: string | undefined;
  readonly #watch: SenderWatch;
  #tellSenderCancelled = false;

  /** `received`: bytes persisted (and acknowledged) before a reload. */
  constructor(
    init: { id: string; meta: FileMeta; from: IncomingTransfer['from']; createdAt: number; phase: TransferPhase; received?: number },
    ctx: IncomingContext,
  ) {
    this.id = init.id;
    this.meta = init.meta;
    this.from = { ...init.from };
    this.createdAt = init.createdAt;
    this.phase = init.phase;
    this.#ctx = ctx;
    this.#expected = init.received ?? 0;
    this.#batches = new ReceivedBatches(this.#expected, {
      store: ctx.store,
      tuning: ctx.tuning,
      record: () => ({ ...this.record, received: this.#expected }),
      firstUnwritten: () => this.#writer?.firstUnwritten,
      ended: () => this.finished,
      persisted: () => {
        ctx.changed(false);
        this.#acks.maybeAck();
      },
      failed: () => this.#fail(STORAGE_FAILED),
    });
    this.#acks = new AckPacer(this.#batches.persisted, {
      persisted: () => this.#batches.persisted,
      written: () => this.#writer?.written ?? 0,
      ended: () => this.finished,
      send: (offset) => ctx.control.ack({ transferId: this.id, offset }).catch(warnFailed('fileAck')),
      tuning: ctx.tuning,
      now: ctx.now,
    });
    this.#watch = new SenderWatch({
      resume: (offset) => ctx.control.resume({ transferId: this.id, secret: this.#secret!, offset }),
      receiving: () => this.phase === 'active' || this.phase === 'waiting',
      hasSecret: () => this.#secret !== undefined,
      failed: () => this.#setPhase('waiting'),
      expected: () => this.#expected,
      size: this.meta.size,
      acks: this.#acks,
      tuning: ctx.tuning,
      now: ctx.now,
    });
  }

  static offered(data: NotificationData<'fileOffered'>, ctx: IncomingContext): IncomingTransfer {
    return new IncomingTransfer({ id: data.transferId, meta: data.meta, from: data.from, createdAt: ctx.now(), phase: 'offered' }, ctx);
  }

  /** After a reload: from the stored record, the download taken up again (downloadTakeUp.ts) or failed in words. */
  static async restored(record: StoredIncoming, ctx: IncomingContext): Promise<IncomingTransfer> {
    const transfer = new IncomingTransfer({ ...record, phase: 'waiting' }, ctx);
    transfer.#secret = record.secret;
    const download = await takeUpDownload(record, ctx.downloads, ctx.store);
    if (!download) {
      transfer.#tellSenderCancelled = true;
      await transfer.#fail(INTERRUPTED);
      return transfer;
    }
    transfer.#hasher = await IncrementalSha256.create(record.hashState);
    transfer.#useSink(download.sink);
    transfer.#writer!.add(download.kept);
    transfer.#watch.start();
    return transfer;
  }

  get record(): StoredIncoming {
    return {
      direction: 'in',
      id: this.id,
      secret: this.#secret ?? '',
      meta: this.meta,
      from: this.from,
      received: this.#batches.persisted,
      hashState: this.#hasher?.save() ?? new Uint8Array(),
      createdAt: this.createdAt,
    };
  }

  /** Bytes received and persisted. */
  get bytesDone(): number {
    return this.#batches.persisted;
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
    this.#watch.heard();
    this.#watch.start();
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
    await this.#ctx.control.answer({ transferId: this.id, accept: false, secret: randomSecret() }).catch(warnFailed('fileAnswer'));
  }

  async decline(): Promise<void> {
    if (this.phase !== 'offered') return;
    this.#setPhase('declined');
    await this.#ctx.control.answer({ transferId: this.id, accept: false, secret: randomSecret() }).catch(warnFailed('fileAnswer'));
  }

  /** A chunk frame: taken only at exactly the expected offset; anything else is dropped (a gap asks to resume). */
  frame(offset: number, payload: Uint8Array): void {
    const ctx = this.#ctx;
    if ((this.phase !== 'active' && this.phase !== 'waiting') || !this.#hasher || offset !== this.#expected) {
      ctx.counters.framesDiscarded++;
      // A gap: something was lost. (A duplicate asks nothing: the sender went back and is already sending past it.)
      if (offset > this.#expected && (this.phase === 'active' || this.phase === 'waiting')) this.#watch.gap();
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
    // Into the download at once: the store keeps only what the download has not taken by the next flush, so a
    // fast download costs IndexedDB a small record per flush instead of the whole file written and deleted again.
    this.#writer?.add([chunk]);
    this.#expected += bytes.byteLength;
    this.#watch.heard();
    ctx.counters.bytesReceived += bytes.byteLength;
    if (this.phase === 'waiting') this.#setPhase('active');
    this.#batches.add(chunk, this.#expected === this.meta.size);
  }

  #useSink(sink: DownloadSink): void {
    this.#writer = new DownloadWriter(sink, {
      written: () => {
        this.#acks.maybeAck();
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
    if (this.#batches.persisted < this.meta.size || writer.written < this.meta.size || !writer.idle) return;
    this.#setPhase('verifying');
    const ok = this.#hasher.digest() === this.#expectedSha256;
    await this.#ctx.control.verified({ transferId: this.id, ok }).catch(warnFailed('fileVerified'));
    if (!ok) return this.#fail(DAMAGED);
    await writer.sink.close().catch(warnFailed('closing the download'));
    this.#end('done');
  }

  /** After every (re)join: ask the sender to continue from what is persisted here (or tell it this side gave up). */
  joined(): void {
    if (this.#tellSenderCancelled && this.#secret) {
      this.#tellSenderCancelled = false;
      this.#ctx.control.cancel({ transferId: this.id, secret: this.#secret }).catch(warnFailed('fileCancel'));
    }
    this.#watch.ask();
  }

  /** Cancel here: the sender stops sending to this side, and the download is dropped. */
  async cancel(): Promise<void> {
    if (this.finished) return;
    if (this.#secret && this.phase !== 'offered') {
      await this.#ctx.control.cancel({ transferId: this.id, secret: this.#secret }).catch(warnFailed('fileCancel'));
    } else if (this.phase === 'offered') return this.decline();
    await this.#writer?.abort('Cancelled');
    this.#end('cancelled');
  }

  /** The sender (or the server, the sender gone for good) cancelled. */
  async cancelledBy(data: NotificationData<'fileCancelled'>): Promise<void> {
    if (this.finished) return;
    await this.#writer?.abort(data.by === 'sender' ? 'The sender cancelled' : 'Cancelled');
    this.#end('cancelled');
  }

  async #fail(reason: string): Promise<void> {
    if (this.finished) return;
    this.error = reason;
    await this.#writer?.abort(reason);
    this.#end('failed');
  }

  #end(phase: TransferPhase): void {
    this.#setPhase(phase);
    this.dispose();
    this.#writer?.stop();
    this.#batches.forget(this.id);
  }

  #setPhase(phase: TransferPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.#ctx.changed(true);
  }

  /** Stops timers (the transfer ended, or the engine is going away). */
  dispose(): void {
    this.#batches.stop();
    this.#acks.stop();
    this.#watch.stop();
  }

  /** For tests: resolves once every batch so far is persisted. */
  settled(): Promise<void> {
    return this.#batches.settled();
  }
}
