import { chatOpen, setChatOpen } from '../../models/chat.ts';
import { transfers } from '../../models/transfers.ts';
import { formatBytes } from './format.ts';

/**
 * Someone offers a file while the panel with the Transfers list is closed: say so over the call, with a way to
 * open it (the offer is answered there, so Accept and Decline exist once on the page).
 */
export function OfferToast() {
  if (chatOpen.value) return null;
  const offers = transfers.value.filter((transfer) => transfer.direction === 'in' && transfer.phase === 'offered');
  const newest = offers[0];
  if (!newest) return null;
  const more = offers.length > 1 ? ` and ${offers.length - 1} more` : '';
  return (
    <div class="notice offer-toast" role="status">
      <span>
        {newest.peerLabel} wants to send you {newest.name} ({formatBytes(newest.size)}){more}
      </span>
      <button type="button" class="chip" onClick={() => setChatOpen(true)}>
        Show transfers
      </button>
    </div>
  );
}
