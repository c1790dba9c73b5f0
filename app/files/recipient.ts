import type { StoredRecipient } from '../storage/transferStore.ts';
import type { FileLink } from './ports.ts';

/** One receiver of an outgoing transfer: how far it confirmed, what goes to it next. */
export class Recipient {
  peerId: string;
  key: string | undefined;
  state: StoredRecipient['state'] | 'verifying';
  /** Bytes [0, acked) are persisted at the receiver. */
  acked = 0;
  /** The offset of the next chunk for it. */
  next = 0;
  /** Everything below this was sent to it at least once: sending below it again is a re-send. */
  sentUpTo = 0;
  lastProgressAt: number;
  /** Went back after a stall and stalled again: nothing more is sent until it is heard from. */
  parked = false;
  /** Went back after a stall: one chunk probes whether it is there before a whole window goes again. */
  wentBack = false;
  /** The link its last chunk went on: switching links waits until that one drained, so chunks do not overtake each other. */
  lastLink: FileLink | undefined;
  /** False for one that had accepted before this page reloaded, until its `fileResume` says where it stands. */
  offsetsKnown: boolean;
  /**
   * The offset its last `fileResume` sent it back to, while what went again from there may still be on its way
   * (cleared when that no longer holds: a go-back on a stall, a new session on either side).
   */
  rewoundTo: number | undefined;

  constructor(stored: StoredRecipient, now: number) {
    this.peerId = stored.peerId;
    this.key = stored.key;
    this.state = stored.state;
    this.lastProgressAt = now;
    this.offsetsKnown = stored.state !== 'accepted';
  }

  get final(): boolean {
    return this.state === 'done' || this.state === 'declined' || this.state === 'cancelled' || this.state === 'failed';
  }

  /**
   * Whether a resume from `offset` only repeats the last one while the bytes sent again for it are on their way (it
   * asked again before they arrived: a retry, or a second chunk behind the same loss showing the same gap). Going
   * back again would send them twice. Not once anything past `offset` was acknowledged (an earlier offset then
   * means it lost what it had), nor before anything went again, nor after a stall. Were those bytes lost after all,
   * nothing is skipped: no ack comes, and the go-back on a stall (`checkStall`) sends them again.
   */
  repeatsRewind(offset: number): boolean {
    return (
      this.state === 'accepted' &&
      this.rewoundTo === offset &&
      this.acked === offset &&
      this.next > offset &&
      !this.parked &&
      !this.wentBack
    );
  }

  /**
   * Its page consumes our link anew (a reload, a new media session): it received nothing sent before, so when bytes
   * went since its last resume, that resume asked again is a new ask. (None went when the link is new for it.)
   */
  relinked(): void {
    if (this.next !== this.rewoundTo) this.rewoundTo = undefined;
  }

  heardFrom(now: number): void {
    this.offsetsKnown = true;
    this.lastProgressAt = now;
    this.parked = false;
    this.wentBack = false;
  }

  /**
   * Go-back on a stall: bytes outstanding and no acknowledgement for `afterMs` (the tail was lost, or the receiver
   * left). True when it went back (there is something to send again).
   */
  checkStall(now: number, afterMs: number): boolean {
    if (this.state !== 'accepted' || this.parked || this.next <= this.acked || now - this.lastProgressAt < afterMs) return false;
    if (this.wentBack) {
      // The re-sent chunk went unanswered too: it is away. Its `fileResume` (it retries) brings it back.
      this.parked = true;
      return false;
    }
    // The receiver has nothing past its ack by now (it persists within a fraction of a second), so it goes back
    // there; with a single chunk first, as the link may be dead without anyone knowing yet.
    this.wentBack = true;
    this.rewoundTo = undefined;
    this.lastProgressAt = now;
    this.next = this.acked;
    return true;
  }
}
