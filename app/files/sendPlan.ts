import { FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import type { FileLink, TransferCounters } from './ports.ts';
import type { Recipient } from './recipient.ts';
import type { Tuning } from './tuning.ts';

/** The next chunk to send: these recipients all expect `offset`, and the link toward exactly `audience` reaches them. */
export type SendPlan = { offset: number; length: number; recipients: Recipient[]; audience: string[] };

/**
 * The next chunk of a file of `size` bytes to send, if any. Recipients that expect the same offset form a group served
 * on the link toward exactly them, so a chunk several need is uploaded once. A group waits for one a little behind it
 * (a late accept, a resume after a short drop) while that one catches up on its own link, so they go on together
 * instead of the rest of the file being uploaded twice; one far behind (`convoyDistance`) is not waited for and
 * catches up alone. Lower offsets go first. A group goes as fast as its slowest member's window; a member that
 * stalls is parked (Recipient.checkStall) and no longer holds the others back.
 */
export function nextSendPlan(recipients: readonly Recipient[], size: number, tuning: Tuning): SendPlan | undefined {
  const eligible = recipients.filter(
    (recipient) => recipient.state === 'accepted' && !recipient.parked && recipient.offsetsKnown && recipient.next < size,
  );
  const offsets = [...new Set(eligible.map((recipient) => recipient.next))].sort((a, b) => a - b);
  const room = (recipient: Recipient) => (recipient.wentBack ? FILE_CHUNK_SIZE : tuning.sendWindow);
  for (const [index, offset] of offsets.entries()) {
    const below = offsets[index - 1];
    if (below !== undefined && offset - below <= tuning.convoyDistance) continue; // waits for the group below
    const group = eligible.filter((recipient) => recipient.next === offset);
    const length = Math.min(FILE_CHUNK_SIZE, size - offset);
    if (group.some((recipient) => offset + length - recipient.acked > room(recipient))) continue;
    return { offset, length, recipients: group, audience: group.map((recipient) => recipient.peerId).sort() };
  }
  return undefined;
}

/** Whether a plan still holds after the pump awaited something (an ack, a resume or a cancel may have come). */
export function planStillHolds(plan: SendPlan): boolean {
  return plan.recipients.every((recipient) => recipient.state === 'accepted' && !recipient.parked && recipient.next === plan.offset);
}

/** The plan's chunk went out on `link`: counted (as re-sent when a recipient had it before), and its recipients moved on. */
export function recordSent(plan: SendPlan, link: FileLink, counters: TransferCounters, now: number): void {
  const end = plan.offset + plan.length;
  counters.bytesSent += plan.length;
  if (plan.recipients.some((recipient) => plan.offset < recipient.sentUpTo)) counters.bytesResent += plan.length;
  for (const recipient of plan.recipients) {
    // The stall clock runs from the last ack or from when bytes became outstanding, whichever is later.
    if (recipient.next <= recipient.acked) recipient.lastProgressAt = now;
    recipient.next = end;
    recipient.sentUpTo = Math.max(recipient.sentUpTo, end);
    recipient.lastLink = link;
  }
}
