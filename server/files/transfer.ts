import { createHash } from 'node:crypto';
import { ProtocolError, type FileMeta } from '../../shared/protocol/index.ts';

/** A party's key: the SHA-256 of its secret. Only keys are kept; a secret proves who holds it. */
export function keyOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export type RecipientState = 'offered' | 'accepted' | 'declined' | 'cancelled' | 'done' | 'verified' | 'failed';

/** States after which a recipient's part is over: nothing more flows to it. */
const FINAL_STATES: ReadonlySet<RecipientState> = new Set(['declined', 'cancelled', 'verified', 'failed']);

/** One receiver of a transfer: the peer it is bound to now, its key once it answered, how far it got. */
export class RecipientSlot {
  peerId: string;
  key: string | undefined;
  state: RecipientState;
  /** Bytes [0, acked) are persisted at the receiver. */
  acked = 0;
  /** The file's digest as the sender gave it with fileDone, told again to a receiver that missed it. */
  sha256: string | undefined;

  constructor(peerId: string, key: string | undefined, state: RecipientState) {
    this.peerId = peerId;
    this.key = key;
    this.state = state;
  }

  get final(): boolean {
    return FINAL_STATES.has(this.state);
  }
}

/** A file offered by one sender to a few recipients, as the server relays its control messages. */
export class Transfer {
  readonly id: string;
  readonly meta: FileMeta;
  readonly senderKey: string;
  /** The peer the sender is bound to now (a re-offer or a cancel with its secret moves it), and its name. */
  senderPeerId: string;
  senderName: string;
  readonly recipients: RecipientSlot[] = [];
  /** When a party last sent anything about this transfer (for expiry). */
  lastActivity: number;

  constructor(id: string, meta: FileMeta, senderKey: string, sender: { id: string; name: string }, now: number) {
    this.id = id;
    this.meta = meta;
    this.senderKey = senderKey;
    this.senderPeerId = sender.id;
    this.senderName = sender.name;
    this.lastActivity = now;
  }

  bindSender(sender: { id: string; name: string }): void {
    this.senderPeerId = sender.id;
    this.senderName = sender.name;
  }

  /** True once every recipient's part is over (or none is left). */
  get finished(): boolean {
    return this.recipients.every((slot) => slot.final);
  }

  byKey(key: string): RecipientSlot | undefined {
    return this.recipients.find((slot) => slot.key === key);
  }

  /**
   * The recipient bound to this peer. One peer is normally one recipient; should it hold two (an unanswered offer
   * and a part it rebound to), an answer is for the unanswered one and anything else for the answered one.
   */
  boundTo(peerId: string, prefer: 'unanswered' | 'answered'): RecipientSlot | undefined {
    const slots = this.recipients.filter((slot) => slot.peerId === peerId);
    return slots.find((slot) => (prefer === 'unanswered') === (slot.state === 'offered')) ?? slots[0];
  }

  sameFile(meta: FileMeta): boolean {
    const { name, size, type, firstChunkSha256 } = this.meta;
    return meta.name === name && meta.size === size && meta.type === type && meta.firstChunkSha256 === firstChunkSha256;
  }
}

/** What a peer that is no party of a transfer is told: it does not exist. */
export const noSuchTransfer = () => new ProtocolError('not_found', 'No such transfer');

export function checkOffset(transfer: Transfer, offset: number): void {
  if (offset > transfer.meta.size) {
    throw new ProtocolError('bad_request', `The file has ${transfer.meta.size} bytes; that offset is past its end`);
  }
}
