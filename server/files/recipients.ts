import type { RequestData } from '../../shared/protocol/index.ts';
import { RecipientSlot, type Transfer } from './transfer.ts';
import type { WaitingResumes } from './waitingResumes.ts';

/**
 * Recipients named in an offer that the transfer lacks: one with a key had accepted (restored after a server
 * restart, bound to its last known peer until its fileResume, or at once to the peer whose resume came first:
 * `resumed`); one without is offered the file if it is here (`here`: in the room, on this server or another).
 */
export function recipientsToAdd(
  transfer: Transfer,
  to: RequestData<'fileOffer'>['to'],
  waitingResumes: WaitingResumes,
  here: (peerId: string) => boolean,
  now: number,
): { added: RecipientSlot[]; resumed: RecipientSlot[] } {
  const added: RecipientSlot[] = [];
  const resumed: RecipientSlot[] = [];
  const known = (entry: { peerId: string; key?: string | undefined }) =>
    [...transfer.recipients, ...added].some((slot) => (entry.key ? slot.key === entry.key : slot.peerId === entry.peerId));
  for (const entry of to) {
    if (known(entry)) continue;
    if (entry.key) {
      const slot = new RecipientSlot(entry.peerId, entry.key, 'accepted');
      const waiting = waitingResumes.take(transfer.id, entry.key, now);
      if (waiting && waiting.offset <= transfer.meta.size && here(waiting.peerId)) {
        slot.peerId = waiting.peerId;
        slot.acked = waiting.offset;
        resumed.push(slot);
      }
      added.push(slot);
    } else if (here(entry.peerId)) added.push(new RecipientSlot(entry.peerId, undefined, 'offered'));
  }
  return { added, resumed };
}
