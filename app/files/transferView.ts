import type { IncomingTransfer } from './incoming.ts';
import { OutgoingTransfer } from './outgoing.ts';
import type { TransferView } from './ports.ts';
import type { RateMeter } from './rate.ts';

/** A transfer of this page, either way. */
export type Transfer = OutgoingTransfer | IncomingTransfer;

/**
 * What the Transfers list shows of a transfer at `now`: its phase, the other side in words, progress, and speed and
 * time left from `rate` (fed here with the bytes done, so it falls while nothing moves). `online`: this page has a
 * media session (an outgoing transfer without one is waiting, not active).
 */
export function transferView(
  transfer: Transfer,
  { now, online, rate, nameOf }: { now: number; online: boolean; rate: RateMeter; nameOf(peerId: string): string },
): TransferView {
  const out = transfer instanceof OutgoingTransfer;
  const { phase, error } = out ? transfer.phase(online) : { phase: transfer.phase, error: transfer.error };
  const bytesDone = transfer.bytesDone;
  rate.add(now, bytesDone);
  const bytesPerSecond = phase === 'active' ? Math.round(rate.perSecond(now)) : 0;
  const size = transfer.meta.size;
  const peerLabel = out
    ? transfer.everyone
      ? 'Everyone'
      : transfer.recipients.map((recipient) => nameOf(recipient.peerId)).join(', ')
    : transfer.from.name || nameOf(transfer.from.peerId);
  return {
    id: transfer.id,
    direction: out ? 'out' : 'in',
    name: transfer.meta.name,
    size,
    peerLabel,
    phase,
    bytesDone,
    bytesPerSecond,
    secondsLeft: bytesPerSecond > 0 ? Math.ceil((size - bytesDone) / bytesPerSecond) : undefined,
    ...(error ? { error } : {}),
  };
}
