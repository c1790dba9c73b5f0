import type { FileMeta, NotificationData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { StoredOutgoing, StoredRecipient } from '../storage/transferStore.ts';
import type { FileControl, FileLink, FileSource, TransferCounters, TransferPhase } from './ports.ts';
import { ReadAhead } from './readAhead.ts';
import { Recipient } from './recipient.ts';
import { nextSendPlan, planStillHolds, recordSent, type SendPlan } from './sendPlan.ts';
import { outgoingPhase } from './outgoingPhase.ts';
import { firstChunkSha256, randomSecret, randomTransferId, sha256OfSource } from './sha256.ts';
import type { Tuning } from './tuning.ts';

const log = createLogger('files');

/** What an outgoing transfer needs around it. */
export type OutgoingContext = {
  control: FileControl;
  counters: TransferCounters;
  tuning: Tuning;
  now(): number;
  /** Something the person sees changed (`phase`: right away). */
  changed(phase: boolean): void;
  /** There may be something new to send. */
  wake(): void;
  persist(record: StoredOutgoing): void;
};

/**
 * A file being sent: its recipients and their offsets, a window of unacknowledged bytes per recipient, go-back-N on a
 * resume or a stall, and the choice of the next chunk (grouped so that a chunk several recipients need is uploaded
 * once). Reading and sending are the pump's job.
 */
export class OutgoingTransfer {
  readonly id: string;
  readonly secret: string;
  readonly meta: FileMeta;
  readonly everyone: boolean;
  readonly recipients: Recipient[];
  readonly createdAt: number;
  source: FileSource | undefined;
  cancelled = false;
  readonly #ctx: OutgoingContext;
  #sha256: Promise<string | undefined> | undefined;
  #reader: ReadAhead | undefined;
  #firstAcceptAt: number | undefined;

  constructor(stored: StoredOutgoing, source: FileSource | undefined, ctx: OutgoingContext) {
    this.id = stored.id;
    this.secret = stored.secret;
    this.meta = stored.meta;
    this.everyone = stored.everyone;
    this.createdAt = stored.createdAt;
    this.#ctx = ctx;
    this.recipients = stored.recipients.map((recipient) => new Recipient(recipient, ctx.now()));
    if (source) this.#useSource(source);
  }

  /** A new transfer of `source` to these peers. */
  static async create(source: FileSource, to: { peerId: string }[], everyone: boolean, ctx: OutgoingContext): Promise<OutgoingTransfer> {
    const meta: FileMeta = { name: source.name, size: source.size, type: source.type, firstChunkSha256: await firstChunkSha256(source) };
    const recipients = to.map(({ peerId }): StoredRecipient => ({ peerId, state: 'offered' }));
    const stored: StoredOutgoing = {
      direction: 'out',
      id: randomTransferId(),
      secret: randomSecret(),
      meta,
      everyone,
      recipients,
      createdAt: ctx.now(),
    };
    return new OutgoingTransfer(stored, source, ctx);
  }

  get record(): StoredOutgoing {
    const recipients = this.recipients.map(({ peerId, key, state }) => ({
      peerId,
      key,
      state: state === 'verifying' ? 'accepted' : state,
    }));
    return {
      direction: 'out',
      id: this.id,
      secret: this.secret,
      meta: this.meta,
      everyone: this.everyone,
      recipients,
      createdAt: this.createdAt,
    };
  }

  /** The re-picked file after a reload: same name, size and first chunk, or a rejection in words. */
  async provide(source: FileSource): Promise<void> {
    if (source.name !== this.meta.name || source.size !== this.meta.size) {
      throw new Error(`That is not the same file: pick “${this.meta.name}” (${this.meta.size} bytes) again to continue.`);
    }
    if ((await firstChunkSha256(source)) !== this.meta.firstChunkSha256) {
      throw new Error(`“${source.name}” has changed since it was offered: its content is not the same, so it cannot continue.`);
    }
    this.#useSource(source);
    this.#ctx.changed(true);
  }

  #useSource(source: FileSource): void {
    this.source = source;
    this.#reader = new ReadAhead(source);
    // Hashed from the start, in the background, so the digest is ready when the last byte is acknowledged.
    this.#sha256 = sha256OfSource(source, () => this.cancelled || this.source !== source).catch((error: unknown) => {
      log.warn('the file cannot be read any more', error);
      if (this.source === source) this.sourceLost();
      return undefined;
    });
  }

  /** The `fileOffer` request: unfinished recipients, named by key once they answered (so they can rebind). */
  offerRequest() {
    const to = this.recipients.filter((recipient) => !recipient.final).map(({ peerId, key }) => (key ? { peerId, key } : { peerId }));
    return { transferId: this.id, secret: this.secret, meta: this.meta, to };
  }

  /** The server's reply to an offer: recipients' current peer ids. */
  offered(reply: { recipients: { peerId: string; key?: string }[] }): void {
    for (const entry of reply.recipients) {
      const recipient = entry.key ? this.recipients.find((known) => known.key === entry.key) : undefined;
      if (recipient) recipient.peerId = entry.peerId;
    }
  }

  #find(peerId: string, key: string | undefined): Recipient | undefined {
    const recipient =
      (key && this.recipients.find((known) => known.key === key)) || this.recipients.find((known) => known.peerId === peerId && !known.key);
    if (recipient) recipient.peerId = peerId;
    return recipient;
  }

  answered(data: NotificationData<'fileAnswered'>): void {
    const recipient = this.#find(data.peerId, data.key);
    if (!recipient || recipient.state !== 'offered') return;
    recipient.key = data.key;
    recipient.state = data.accept ? 'accepted' : 'declined';
    recipient.heardFrom(this.#ctx.now());
    this.#firstAcceptAt ??= data.accept ? this.#ctx.now() : undefined;
    this.#ctx.persist(this.record);
    this.#ctx.changed(true);
    if (data.accept) this.#progress(recipient, 0);
  }

  /**
   * Offered to several and some have not answered yet: the first accept waits a moment for the others, so the file
   * starts once for all of them instead of once for the first and again for each who answers a second later.
   */
  #gathering(): boolean {
    if (this.#firstAcceptAt === undefined || !this.recipients.some((recipient) => recipient.state === 'offered')) return false;
    if (this.recipients.some((recipient) => recipient.sentUpTo > 0)) return false;
    return this.#ctx.now() - this.#firstAcceptAt < this.#ctx.tuning.gatherAnswersMs;
  }

  acked(data: NotificationData<'fileAcked'>): void {
    const recipient = this.#find(data.peerId, data.key);
    if (!recipient || (recipient.state !== 'accepted' && recipient.state !== 'verifying')) return;
    recipient.heardFrom(this.#ctx.now());
    if (data.offset > recipient.acked) this.#progress(recipient, data.offset);
    this.#ctx.changed(false);
  }

  /**
   * The receiver asks for bytes from `offset` (a gap, a reconnect, a reload): go back to it, unless it asks again for
   * what is already on its way to it (Recipient.repeatsRewind) from the same peer: a new peer id, or its page
   * consuming our link again (`receiverLinked`), is a new session there that received nothing of it.
   */
  resumeFrom(data: NotificationData<'fileResumeFrom'>): void {
    const samePeer = this.recipients.some((known) => known.key === data.key && known.peerId === data.peerId);
    const recipient = this.#find(data.peerId, data.key);
    if (!recipient || (recipient.state !== 'accepted' && recipient.state !== 'verifying')) return;
    const offset = Math.min(data.offset, this.meta.size);
    if (samePeer && recipient.repeatsRewind(offset)) return;
    recipient.heardFrom(this.#ctx.now());
    // It holds exactly [0, offset): that is its acknowledged offset now, even below an earlier one (a lost store).
    recipient.acked = recipient.next = recipient.rewoundTo = offset;
    if (recipient.state === 'verifying' && recipient.acked >= this.meta.size)
      void this.#finish(recipient); // back before hearing `fileDone`
    else {
      recipient.state = 'accepted';
      this.#progress(recipient, recipient.acked);
    }
    this.#ctx.changed(false);
  }

  #progress(recipient: Recipient, offset: number): void {
    recipient.acked = offset;
    recipient.next = Math.max(recipient.next, offset);
    if (recipient.acked >= this.meta.size && recipient.state === 'accepted') {
      recipient.state = 'verifying';
      this.#ctx.changed(true);
      void this.#finish(recipient);
    }
    this.#ctx.wake();
  }

  /** Every byte is acknowledged: tell the receiver the file's SHA-256 to compare. */
  async #finish(recipient: Recipient): Promise<void> {
    const sha256 = await this.#sha256;
    if (!sha256 || recipient.state !== 'verifying' || !recipient.key) return;
    await this.#ctx.control.done({ transferId: this.id, key: recipient.key, sha256 }).catch((error: unknown) => {
      log.warn('fileDone failed; sent again when the receiver resumes', error);
    });
  }

  verified(data: NotificationData<'fileVerified'>): void {
    const recipient = this.#find(data.peerId, data.key);
    if (!recipient || recipient.final) return;
    recipient.state = data.ok ? 'done' : 'failed';
    this.#ctx.persist(this.record);
    this.#ctx.changed(true);
  }

  /** The whole transfer (`key` absent) or one receiver's part was cancelled. */
  cancelledBy(data: NotificationData<'fileCancelled'>): void {
    for (const recipient of this.recipients) {
      if (!recipient.final && (!data.key || recipient.key === data.key)) recipient.state = 'cancelled';
    }
    if (!data.key) this.cancelled = true;
    this.#ctx.persist(this.record);
    this.#ctx.changed(true);
  }

  cancel(): void {
    this.cancelled = true;
    for (const recipient of this.recipients) if (!recipient.final) recipient.state = 'cancelled';
    this.#ctx.changed(true);
  }

  /** A new media session: what was in flight is lost, so every recipient continues from its acknowledged offset. */
  restart(): void {
    for (const recipient of this.recipients) {
      recipient.next = recipient.acked;
      recipient.rewoundTo = undefined;
      recipient.lastLink = undefined;
      recipient.lastProgressAt = this.#ctx.now();
      recipient.parked = recipient.wentBack = false;
    }
  }

  /** `peerId`'s page consumes one of our links (again): maybe a new session there (Recipient.relinked). */
  receiverLinked(peerId: string): void {
    for (const recipient of this.recipients) if (recipient.peerId === peerId) recipient.relinked();
  }

  /** Go-back on a stall: bytes outstanding and no acknowledgement for a while (the tail was lost, or the receiver left). */
  checkStalls(): void {
    for (const recipient of this.recipients) if (recipient.checkStall(this.#ctx.now(), this.#ctx.tuning.goBackAfterMs)) this.#ctx.wake();
  }

  get finished(): boolean {
    return this.cancelled || this.recipients.every((recipient) => recipient.final);
  }

  /** The next chunk to send, if any (sendPlan.ts). */
  plan(): SendPlan | undefined {
    if (!this.source || this.cancelled || this.#gathering()) return undefined;
    return nextSendPlan(this.recipients, this.meta.size, this.#ctx.tuning);
  }

  /** A chunk of the file (the next one is read meanwhile). */
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.#reader ? this.#reader.read(offset, length) : Promise.reject(new Error('No file to read'));
  }

  /** Whether a plan still holds after the pump awaited something (an ack, a resume or a cancel may have come). */
  stillWanted(plan: SendPlan): boolean {
    return !this.cancelled && planStillHolds(plan);
  }

  /** The plan's chunk went out on `link`. */
  sent(plan: SendPlan, link: FileLink): void {
    recordSent(plan, link, this.#ctx.counters, this.#ctx.now());
  }

  /** The file cannot be read any more (moved, deleted, permission gone): the person picks it again. */
  sourceLost(): void {
    this.source = this.#reader = undefined;
    this.#ctx.changed(true);
  }

  /** No link toward them now (a peer away): they wait until heard from again (their `fileResume`, which they retry). */
  linkFailed(plan: SendPlan): void {
    for (const recipient of plan.recipients) recipient.parked = true;
    this.#ctx.changed(false);
  }

  /** Bytes acknowledged by the slowest recipient still receiving. */
  get bytesDone(): number {
    const receiving = this.recipients.filter((recipient) => recipient.state === 'accepted' || recipient.state === 'verifying');
    if (receiving.length > 0) return Math.min(...receiving.map((recipient) => recipient.acked));
    return this.recipients.some((recipient) => recipient.state === 'done') ? this.meta.size : 0;
  }

  phase(online: boolean): { phase: TransferPhase; error?: string } {
    return outgoingPhase(this.recipients, { cancelled: this.cancelled, hasFile: this.source !== undefined, online });
  }
}
