import { ProtocolError } from '../../shared/protocol/index.ts';
import type { Transfer } from './transfer.ts';

/** Transfers one peer may be sending at once. */
export const MAX_SENDING_PER_PEER = 32;
/** Transfers a room holds at once, finished ones still lingering included. */
export const MAX_TRANSFERS_PER_ROOM = 256;

/** Room for a new transfer of this sender: finished ones go first when the room is full; `rate_limited` beyond the limits. */
export function makeRoomFor(transfers: Map<string, Transfer>, senderPeerId: string): void {
  if (transfers.size >= MAX_TRANSFERS_PER_ROOM) {
    for (const transfer of transfers.values()) if (transfer.finished) transfers.delete(transfer.id);
  }
  if (transfers.size >= MAX_TRANSFERS_PER_ROOM) {
    throw new ProtocolError('rate_limited', 'This room has too many file transfers going on; try again when some are done');
  }
  const sending = [...transfers.values()].filter((transfer) => transfer.senderPeerId === senderPeerId && !transfer.finished);
  if (sending.length >= MAX_SENDING_PER_PEER) {
    throw new ProtocolError('rate_limited', `You are sending ${MAX_SENDING_PER_PEER} files already; wait until some are done`);
  }
}
