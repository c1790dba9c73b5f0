import { ProtocolError, type Notification, type RequestData, type ResponseData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { TransfersElsewhere } from './elsewhere.ts';
import { makeRoomFor, MAX_SENDING_PER_PEER, MAX_TRANSFERS_PER_ROOM } from './limits.ts';
import type { FileStats } from './stats.ts';
import { recipientsToAdd } from './recipients.ts';
import { checkOffset, keyOf, noSuchTransfer, type RecipientSlot, Transfer } from './transfer.ts';
import { MAX_RECIPIENTS, stateOf, transferFrom, type TransferState } from './transferState.ts';
import { WaitingResumes } from './waitingResumes.ts';

export { MAX_RECIPIENTS, MAX_SENDING_PER_PEER, MAX_TRANSFERS_PER_ROOM };

/** A transfer nobody said anything about for this long is dropped; the parties present are told. */
export const IDLE_EXPIRY_MS = 15 * 60_000;
/** A finished transfer is kept this long, so a message sent again (after a reconnect) still gets a sensible reply. */
export const FINISHED_LINGER_MS = 60_000;
const SWEEP_MS = 30_000;

const log = createLogger('files');

/** A peer as the registry sees it: Peer fits. */
export type FileParty = { readonly id: string; readonly name: string; readonly connected: boolean; notify(notification: Notification): void };

/** The room's peers by id (connected or in their grace period); the room's `peers` map fits, and so do its people elsewhere. */
export type FileParties = { get(peerId: string): FileParty | undefined };

/**
 * A room's file transfers, in memory: who sends, who receives, how far each receiver got. It relays the control
 * messages between the parties, checking that each comes from one (by its secret, or by the peer it is bound to).
 * Any other peer is told the transfer does not exist. With several servers, its parties include the room's people
 * on the others (`elsewhere`), and a transfer moves to the server its sender offers it from.
 */
export class FileTransfers {
  readonly #roomId: string;
  readonly #parties: FileParties;
  readonly #stats: FileStats;
  readonly #now: () => number;
  readonly #transfers = new Map<string, Transfer>();
  readonly #waitingResumes = new WaitingResumes();
  readonly #sweeper: NodeJS.Timeout;
  /** The room as part of a service of several servers (server/cluster/clusterFiles.ts); unset on a server alone. */
  elsewhere: TransfersElsewhere | undefined;

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

  holds(transferId: string): boolean {
    return this.#transfers.has(transferId);
  }

  /** The key of the sender of a transfer held here. */
  senderKeyOf(transferId: string): string | undefined {
    return this.#transfers.get(transferId)?.senderKey;
  }

  /** Lets another server have the transfer (its sender offered it there): its state, or not_found for another sender. */
  release(transferId: string, senderKey: string): TransferState | undefined {
    const transfer = this.#transfers.get(transferId);
    if (!transfer) return undefined;
    if (transfer.senderKey !== senderKey) throw noSuchTransfer();
    this.#transfers.delete(transferId);
    return stateOf(transfer);
  }

  /** A transfer handed over by the server that held it; its sender's offer follows. */
  adopt(state: TransferState): void {
    this.#transfers.set(state.id, transferFrom(state, this.#now()));
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
    if (!existing) makeRoomFor(this.#transfers, sender.id);
    const transfer = existing ?? new Transfer(transferId, meta, senderKey, sender, this.#now());
    const here = (peerId: string) => this.#party(peerId) !== undefined;
    const { added, resumed } = recipientsToAdd(transfer, to, this.#waitingResumes, here, this.#now());
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
        this.#party(slot.peerId)?.notify({ method: 'fileCancelled', data: { transferId, by: 'sender' } });
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
    this.#party(slot.peerId)?.notify({ method: 'fileDone', data: { transferId, sha256 } });
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
    this.elsewhere?.partyBack(peer.id);
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
      this.#party(transfer.senderPeerId)?.notify(cancelled);
      for (const slot of transfer.recipients) if (!slot.final) this.#party(slot.peerId)?.notify(cancelled);
    }
  }

  /** The room closed: its transfers go with it. */
  dispose(): void {
    clearInterval(this.#sweeper);
    this.#transfers.clear();
    this.#waitingResumes.clear();
  }

  /** A local peer, or else one of the room's people on another server. */
  #party(peerId: string): FileParty | undefined {
    return this.#parties.get(peerId) ?? this.elsewhere?.parties.get(peerId);
  }

  #offerTo(transfer: Transfer, slot: RecipientSlot): void {
    const from = { peerId: transfer.senderPeerId, name: transfer.senderName, key: transfer.senderKey };
    this.#party(slot.peerId)?.notify({ method: 'fileOffered', data: { transferId: transfer.id, from, meta: transfer.meta } });
  }

  #toSender(transfer: Transfer, notification: Notification): void {
    this.#party(transfer.senderPeerId)?.notify(notification);
  }

  #connected(peerId: string): boolean {
    return this.#party(peerId)?.connected ?? false;
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
