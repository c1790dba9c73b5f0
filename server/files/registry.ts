import { ProtocolError, type Notification, type RequestData, type ResponseData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { FileStats } from './stats.ts';
import { keyOf, RecipientSlot, Transfer } from './transfer.ts';
import { WaitingResumes } from './waitingResumes.ts';

/** Transfers one peer may be sending at once. */
export const MAX_SENDING_PER_PEER = 32;
/** Transfers a room holds at once, finished ones still lingering included. */
export const MAX_TRANSFERS_PER_ROOM = 256;
/** Recipients of one transfer (a re-offer may add some). */
export const MAX_RECIPIENTS = 64;
/** A transfer nobody said anything about for this long is dropped; the parties present are told. */
export const IDLE_EXPIRY_MS = 15 * 60_000;
/** A finished transfer is kept this long, so a message sent again (after a reconnect) still gets a sensible reply. */
export const FINISHED_LINGER_MS = 60_000;
const SWEEP_MS = 30_000;

const log = createLogger('files');

/** A peer as the registry sees it: Peer fits. */
export type FileParty = { readonly id: string; readonly name: string; readonly connected: boolean; notify(notification: Notification): void };

/** The room's peers by id (connected or in their grace period); the room's `peers` map fits. */
export type FileParties = { get(peerId: string): FileParty | undefined };

const noSuchTransfer = () => new ProtocolError('not_found', 'No such transfer');

/**
 * A room's file transfers, in memory: who sends, who receives, how far each receiver got. It relays the control
 * messages between the parties, checking that each comes from one (by its secret, or by the peer it is bound to).
 * Any other peer is told the transfer does not exist.
 */
export class FileTransfers {
  readonly #roomId: string;
  readonly #parties: FileParties;
  readonly #stats: FileStats;
  readonly #now: () => number;
  readonly #transfers = new Map<string, Transfer>();
  readonly #waitingResumes = new WaitingResumes();
  readonly #sweeper: NodeJS.Timeout;

  constructor(roomId: string, parties: FileParties, stats: FileStats, now: () => number = Date.now) {
    this.#roomId = roomId;
    this.#parties = parties;
    this.#stats = stats;
    this.#now = now;
    this.#sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.#sweeper.unref();
  }

  /** Transfers with a recipient whose part is not over. */
  get activeCount(): number {
    return [...this.#transfers.values()].filter((transfer) => !transfer.finished).length;
  }

  /** A new offer, or the same one again with its secret (the sender moves to the asking peer). */
  offer(sender: FileParty, { transferId, secret, meta, to }: RequestData<'fileOffer'>): ResponseData<'fileOffer'> {
    const senderKey = keyOf(secret);
    if (to.some((entry) => entry.peerId === sender.id || entry.key === senderKey)) {
      throw new ProtocolError('bad_request', 'You cannot send a file to yourself');
    }
    const existing = this.#transfers.get(transferId);
    if (existing && existing.senderKey !== senderKey) throw noSuchTransfer();
    if (existing && !existing.sameFile(meta)) throw new ProtocolError('bad_request', 'This transfer was offered with another file');
    if (!existing) this.#checkRoomFor(sender);
    const transfer = existing ?? new Transfer(transferId, meta, senderKey, sender, this.#now());
    const { added, resumed } = this.#recipientsToAdd(transfer, to);
    if (transfer.recipients.length + added.length > MAX_RECIPIENTS) {
      throw new ProtocolError('bad_request', `A file goes to at most ${MAX_RECIPIENTS} people`);
    }
    if (transfer.recipients.length + added.length === 0) throw new ProtocolError('not_found', 'None of these people is in the room');

    transfer.recipients.push(...added);
    transfer.bindSender(sender);
    this.#touch(transfer);
    this.#transfers.set(transferId, transfer);
    if (!existing) {
      log.info('file offered', { room: this.#roomId, transfer: transferId, size: meta.size, recipients: transfer.recipients.length });
    }
    for (const slot of transfer.recipients) if (slot.state === 'offered') this.#offerTo(transfer, slot);
    for (const slot of resumed) {
      const data = { transferId, peerId: slot.peerId, key: slot.key!, offset: slot.acked };
      this.#toSender(transfer, { method: 'fileResumeFrom', data });
    }
    return {
      recipients: transfer.recipients
        .filter((slot) => !slot.final)
        .map((slot) => ({ peerId: slot.peerId, ...(slot.key ? { key: slot.key } : {}), connected: this.#connected(slot.peerId) })),
    };
  }

  /** A recipient accepts (its secret is kept as its key) or declines. */
  answer(asker: FileParty, { transferId, accept, secret }: RequestData<'fileAnswer'>): void {
    const transfer = this.#find(transferId);
    const slot = transfer.boundTo(asker.id, 'unanswered');
    if (!slot) throw noSuchTransfer();
    const key = keyOf(secret);
    if (key === transfer.senderKey || transfer.recipients.some((other) => other !== slot && other.key === key)) {
      throw new ProtocolError('bad_request', 'Make a new secret for each transfer you receive');
    }
    if (slot.state !== 'offered') {
      // The same answer again (its reply was lost in a drop) is fine; a change of mind is a cancel.
      const accepted = slot.state !== 'declined' && slot.state !== 'cancelled';
      const same = slot.key === key && slot.state !== 'cancelled' && accepted === accept;
      if (!same) throw new ProtocolError('bad_state', 'You already answered this offer');
    } else {
      slot.key = key;
      slot.state = accept ? 'accepted' : 'declined';
    }
    this.#touch(transfer);
    this.#toSender(transfer, { method: 'fileAnswered', data: { transferId, peerId: asker.id, accept, key } });
  }

  /** The bound recipient has persisted bytes [0, offset). */
  ack(asker: FileParty, { transferId, offset }: RequestData<'fileAck'>): void {
    const transfer = this.#find(transferId);
    const slot = transfer.boundTo(asker.id, 'answered');
    if (!slot?.key) throw noSuchTransfer();
    if (slot.state !== 'accepted' && slot.state !== 'done') throw new ProtocolError('bad_state', 'This transfer is not running for you');
    checkOffset(transfer, offset);
    if (offset < slot.acked) throw new ProtocolError('bad_request', `You already acknowledged ${slot.acked} bytes; an offset never goes back`);
    slot.acked = offset;
    this.#touch(transfer);
    this.#toSender(transfer, { method: 'fileAcked', data: { transferId, peerId: asker.id, key: slot.key, offset } });
  }

  /**
   * A recipient (by its secret, from whichever peer it is now) asks for bytes from `offset`. It is rebound even when
   * the sender is away, so the sender finds it when it comes back.
   */
  resume(asker: FileParty, { transferId, secret, offset }: RequestData<'fileResume'>): void {
    const key = keyOf(secret);
    const transfer = this.#transfers.get(transferId);
    if (!transfer) {
      // Maybe its sender has not offered it again yet (a restarted server, a room recreated after its worker died):
      // that offer takes this resume up at once, instead of the receiver's next retry seconds later.
      this.#waitingResumes.add(transferId, key, { peerId: asker.id, offset, at: this.#now() });
      throw noSuchTransfer();
    }
    const slot = transfer.byKey(key);
    if (!slot) throw noSuchTransfer();
    if (slot.final) throw new ProtocolError('bad_state', 'This transfer is over for you');
    checkOffset(transfer, offset);
    slot.peerId = asker.id;
    // What it asks from is what it has kept: an acknowledgement too.
    slot.acked = Math.max(slot.acked, offset);
    if (slot.state === 'done' && offset < transfer.meta.size) slot.state = 'accepted';
    this.#touch(transfer);
    if (!this.#connected(transfer.senderPeerId)) throw new ProtocolError('not_found', 'The sender is not here; try again when they are back');
    this.#toSender(transfer, { method: 'fileResumeFrom', data: { transferId, peerId: asker.id, key, offset } });
  }

  /** With the sender's secret: the whole transfer ends. With a recipient's: that recipient's part ends. */
  cancel(asker: FileParty, { transferId, secret }: RequestData<'fileCancel'>): void {
    const transfer = this.#find(transferId);
    const key = keyOf(secret);
    if (key === transfer.senderKey) {
      transfer.bindSender(asker);
      this.#touch(transfer);
      for (const slot of transfer.recipients) {
        if (slot.final) continue;
        slot.state = 'cancelled';
        this.#parties.get(slot.peerId)?.notify({ method: 'fileCancelled', data: { transferId, by: 'sender' } });
      }
      return;
    }
    const slot = transfer.byKey(key);
    if (!slot) throw noSuchTransfer();
    slot.peerId = asker.id;
    this.#touch(transfer);
    if (slot.final) return; // already over: cancelling again changes nothing
    slot.state = 'cancelled';
    this.#toSender(transfer, { method: 'fileCancelled', data: { transferId, by: 'receiver', key } });
  }

  /** The bound sender: the recipient with this key has acknowledged every byte; here is the digest to compare. */
  done(asker: FileParty, { transferId, key, sha256 }: RequestData<'fileDone'>): void {
    const transfer = this.#find(transferId);
    if (transfer.senderPeerId !== asker.id) throw noSuchTransfer();
    const slot = transfer.byKey(key);
    if (!slot) throw new ProtocolError('not_found', 'No such recipient of this transfer');
    if (slot.state === 'verified' || slot.state === 'failed') return; // its verdict is in already
    if (slot.state !== 'accepted' && slot.state !== 'done') throw new ProtocolError('bad_state', 'That recipient is not receiving this file');
    slot.state = 'done';
    slot.sha256 = sha256;
    this.#touch(transfer);
    this.#parties.get(slot.peerId)?.notify({ method: 'fileDone', data: { transferId, sha256 } });
  }

  /** The bound recipient's verdict on the SHA-256, relayed to the sender. */
  verified(asker: FileParty, { transferId, ok }: RequestData<'fileVerified'>): void {
    const transfer = this.#find(transferId);
    const slot = transfer.boundTo(asker.id, 'answered');
    if (!slot?.key) throw noSuchTransfer();
    const verdict = ok ? 'verified' : 'failed';
    if (slot.state !== verdict) {
      if (slot.state !== 'done') throw new ProtocolError('bad_state', 'The sender has not finished sending this file to you');
      slot.state = verdict;
      if (ok) this.#stats.completed++;
    }
    this.#touch(transfer);
    this.#toSender(transfer, { method: 'fileVerified', data: { transferId, peerId: asker.id, key: slot.key, ok } });
  }

  /** A peer came back on a new socket: offers it missed while away are made again. */
  peerResumed(peer: FileParty): void {
    for (const transfer of this.#transfers.values()) {
      if (transfer.senderPeerId === peer.id) this.remindSender(transfer.id);
      for (const slot of transfer.recipients) {
        if (slot.peerId !== peer.id) continue;
        if (slot.state === 'offered') this.#offerTo(transfer, slot);
        if (slot.state === 'done' && slot.sha256) peer.notify({ method: 'fileDone', data: { transferId: transfer.id, sha256: slot.sha256 } });
      }
    }
  }

  /**
   * Tells the sender each running recipient's acknowledged offset again: the acks relayed while its socket was down
   * (or before its page reloaded) were lost, and without them it would wait for a window that never drains.
   */
  remindSender(transferId: string): void {
    const transfer = this.#transfers.get(transferId);
    if (!transfer) return;
    for (const slot of transfer.recipients) {
      if (!slot.key || slot.acked === 0 || (slot.state !== 'accepted' && slot.state !== 'done')) continue;
      const data = { transferId, peerId: slot.peerId, key: slot.key, offset: slot.acked };
      this.#toSender(transfer, { method: 'fileAcked', data });
    }
  }

  /** Drops idle transfers (telling the parties present) and finished ones whose linger is over. */
  sweep(): void {
    const now = this.#now();
    this.#waitingResumes.sweep(now);
    for (const transfer of this.#transfers.values()) {
      const idle = now - transfer.lastActivity;
      if (transfer.finished) {
        if (idle > FINISHED_LINGER_MS) this.#transfers.delete(transfer.id);
        continue;
      }
      if (idle <= IDLE_EXPIRY_MS) continue;
      this.#transfers.delete(transfer.id);
      log.info('idle file transfer dropped', { room: this.#roomId, transfer: transfer.id });
      const cancelled: Notification = { method: 'fileCancelled', data: { transferId: transfer.id, by: 'server' } };
      this.#parties.get(transfer.senderPeerId)?.notify(cancelled);
      for (const slot of transfer.recipients) if (!slot.final) this.#parties.get(slot.peerId)?.notify(cancelled);
    }
  }

  /** The room closed: its transfers go with it. */
  dispose(): void {
    clearInterval(this.#sweeper);
    this.#transfers.clear();
    this.#waitingResumes.clear();
  }

  #checkRoomFor(sender: FileParty): void {
    if (this.#transfers.size >= MAX_TRANSFERS_PER_ROOM) {
      for (const transfer of this.#transfers.values()) if (transfer.finished) this.#transfers.delete(transfer.id);
    }
    if (this.#transfers.size >= MAX_TRANSFERS_PER_ROOM) {
      throw new ProtocolError('rate_limited', 'This room has too many file transfers going on; try again when some are done');
    }
    const sending = [...this.#transfers.values()].filter((transfer) => transfer.senderPeerId === sender.id && !transfer.finished);
    if (sending.length >= MAX_SENDING_PER_PEER) {
      throw new ProtocolError('rate_limited', `You are sending ${MAX_SENDING_PER_PEER} files already; wait until some are done`);
    }
  }

  /**
   * Recipients named in an offer that the transfer lacks: one with a key had accepted (restored after a server
   * restart, bound to its last known peer until its fileResume, or at once to the peer whose resume came first:
   * `resumed`); one without is offered the file if it is here.
   */
  #recipientsToAdd(transfer: Transfer, to: RequestData<'fileOffer'>['to']): { added: RecipientSlot[]; resumed: RecipientSlot[] } {
    const added: RecipientSlot[] = [];
    const resumed: RecipientSlot[] = [];
    const known = (entry: { peerId: string; key?: string | undefined }) =>
      [...transfer.recipients, ...added].some((slot) => (entry.key ? slot.key === entry.key : slot.peerId === entry.peerId));
    for (const entry of to) {
      if (known(entry)) continue;
      if (entry.key) {
        const slot = new RecipientSlot(entry.peerId, entry.key, 'accepted');
        const waiting = this.#waitingResumes.take(transfer.id, entry.key, this.#now());
        if (waiting && waiting.offset <= transfer.meta.size && this.#parties.get(waiting.peerId)) {
          slot.peerId = waiting.peerId;
          slot.acked = waiting.offset;
          resumed.push(slot);
        }
        added.push(slot);
      } else if (this.#parties.get(entry.peerId)) added.push(new RecipientSlot(entry.peerId, undefined, 'offered'));
    }
    return { added, resumed };
  }

  #offerTo(transfer: Transfer, slot: RecipientSlot): void {
    const from = { peerId: transfer.senderPeerId, name: transfer.senderName, key: transfer.senderKey };
    this.#parties.get(slot.peerId)?.notify({ method: 'fileOffered', data: { transferId: transfer.id, from, meta: transfer.meta } });
  }

  #toSender(transfer: Transfer, notification: Notification): void {
    this.#parties.get(transfer.senderPeerId)?.notify(notification);
  }

  #connected(peerId: string): boolean {
    return this.#parties.get(peerId)?.connected ?? false;
  }

  #touch(transfer: Transfer): void {
    transfer.lastActivity = this.#now();
  }

  #find(transferId: string): Transfer {
    const transfer = this.#transfers.get(transferId);
    if (!transfer) throw noSuchTransfer();
    return transfer;
  }
}

function checkOffset(transfer: Transfer, offset: number): void {
  if (offset > transfer.meta.size) {
    throw new ProtocolError('bad_request', `The file has ${transfer.meta.size} bytes; that offset is past its end`);
  }
}
