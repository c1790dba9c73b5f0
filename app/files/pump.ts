import { encodeChunkFrame } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { OutgoingTransfer } from './outgoing.ts';
import type { SendPlan } from './sendPlan.ts';
import type { FileLink, FileLinks } from './ports.ts';

const log = createLogger('files');

const SWITCH_POLL_MS = 5;
const CAP_POLL_MS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Puts chunks on the file links: one chunk per transfer in turn (round robin over the transfers with something to
 * send), never more than `maxQueued` bytes waiting in the browser across every file link (chat shares the SCTP
 * association), waiting on `drained()` for room. Sleeps while nothing can be sent; `wake()` after anything that
 * may change that (an ack, a resume, an answer, a new transfer or session).
 */
export class ChunkPump {
  readonly #maxQueued: number;
  readonly #transfers: () => readonly OutgoingTransfer[];
  #links: FileLinks | undefined;
  /** Every link used in this session: their queued bytes count toward the cap. */
  #used = new Set<FileLink>();
  #turn = 0;
  #running = false;
  #dirty = false;
  #wakeup: (() => void) | undefined;
  #session = 0;

  constructor(transfers: () => readonly OutgoingTransfer[], maxQueued: number) {
    this.#transfers = transfers;
    this.#maxQueued = maxQueued;
  }

  /** Links of a new media session (undefined: none now); the loop runs while there are links. */
  setLinks(links: FileLinks | undefined): void {
    this.#links = links;
    this.#used = new Set();
    this.#session++;
    this.wake();
    if (links && !this.#running) void this.#run();
  }

  wake(): void {
    this.#dirty = true;
    this.#wakeup?.();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#links) {
        this.#dirty = false;
        const sent = await this.#step(this.#links, this.#session);
        if (!sent && !this.#dirty && this.#links) await new Promise<void>((resolve) => (this.#wakeup = resolve));
        this.#wakeup = undefined;
      }
    } finally {
      this.#running = false;
    }
  }

  /** Sends one chunk if one can go; false when there was nothing to do (then the loop sleeps until woken). */
  async #step(links: FileLinks, session: number): Promise<boolean> {
    const full = this.#fullestOverCap();
    if (full) {
      await full.drained();
      // Several links each under their low-water mark can still be over the cap together: then drained() says
      // nothing new, and a short pause stands in for it (never a spin).
      if (this.#fullestOverCap()) await sleep(CAP_POLL_MS);
      return true;
    }
    const next = this.#nextPlan();
    if (!next) return false;
    const { transfer, plan } = next;
    let link: FileLink;
    try {
      link = await links.to(plan.audience);
    } catch (error) {
      log.warn('no file link toward these peers now', { audience: plan.audience, error });
      transfer.linkFailed(plan);
      return true;
    }
    if (session !== this.#session) return true;
    if (!link.isOpen) {
      // Closed under us (a peer of the audience left): its recipients wait to be heard from rather than spin here.
      transfer.linkFailed(plan);
      return true;
    }
    this.#used.add(link);
    // A recipient moving to another link: let the old one empty first, so its chunks are not overtaken on the way
    // (channels do not keep order between them, and the receiver drops what comes out of order). Rare and short, so
    // a brief poll: `drained()` only reports the low-water mark.
    for (const recipient of plan.recipients) {
      const previous = recipient.lastLink;
      while (previous && previous !== link && previous.isOpen && previous.bufferedAmount > 0 && session === this.#session)
        await sleep(SWITCH_POLL_MS);
    }
    let payload: Uint8Array;
    try {
      payload = await transfer.read(plan.offset, plan.length);
    } catch (error) {
      log.warn('the file cannot be read any more', error);
      transfer.sourceLost();
      return true;
    }
    if (session !== this.#session || !transfer.stillWanted(plan)) return true;
    if (!link.isOpen) {
      transfer.linkFailed(plan);
      return true;
    }
    try {
      link.send(encodeChunkFrame(transfer.id, plan.offset, payload));
    } catch (error) {
      log.warn('sending a chunk failed', error);
      transfer.linkFailed(plan);
      return true;
    }
    transfer.sent(plan, link);
    return true;
  }

  #fullestOverCap(): FileLink | undefined {
    let total = 0;
    let fullest: FileLink | undefined;
    for (const link of this.#used) {
      if (!link.isOpen) continue;
      total += link.bufferedAmount;
      if (!fullest || link.bufferedAmount > fullest.bufferedAmount) fullest = link;
    }
    return total >= this.#maxQueued ? fullest : undefined;
  }

  /** Round robin: the first transfer after the last one served that has a chunk to send. */
  #nextPlan(): { transfer: OutgoingTransfer; plan: SendPlan } | undefined {
    const transfers = this.#transfers();
    for (let i = 0; i < transfers.length; i++) {
      const index = (this.#turn + i) % transfers.length;
      const transfer = transfers[index]!;
      const plan = transfer.plan();
      if (plan) {
        this.#turn = index + 1;
        return { transfer, plan };
      }
    }
    return undefined;
  }
}
