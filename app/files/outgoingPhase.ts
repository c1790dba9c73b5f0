import { DAMAGED } from './messages.ts';
import type { TransferPhase } from './ports.ts';
import type { Recipient } from './recipient.ts';

/** What the person sees of a file they send, from its recipients' states; `online`: this page has a media session. */
export function outgoingPhase(
  recipients: readonly Recipient[],
  { cancelled, hasFile, online }: { cancelled: boolean; hasFile: boolean; online: boolean },
): { phase: TransferPhase; error?: string } {
  const states = recipients.map((recipient) => recipient.state);
  if (cancelled) return { phase: 'cancelled' };
  const finished = recipients.every((recipient) => recipient.final);
  if (states.includes('failed') && finished) return { phase: 'failed', error: DAMAGED };
  if (finished) {
    if (states.includes('done')) return { phase: 'done' };
    return { phase: states.every((state) => state === 'declined') ? 'declined' : 'cancelled' };
  }
  if (!hasFile) return { phase: 'needs-file' };
  const receiving = recipients.filter((recipient) => recipient.state === 'accepted');
  if (receiving.length > 0) return { phase: online && receiving.some((recipient) => !recipient.parked) ? 'active' : 'waiting' };
  if (states.includes('verifying')) return { phase: 'verifying' };
  return { phase: 'offered' };
}
