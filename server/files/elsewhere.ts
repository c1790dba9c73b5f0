import type { RequestData, ResponseData } from '../../shared/protocol/index.ts';
import type { FileParties, FileParty, FileTransfers } from './registry.ts';
import { keyOf } from './transfer.ts';
import type { TransferState } from './transferState.ts';

/** The requests about a transfer that its holder answers (an offer is always taken up where it is made). */
export const FILE_CALL_METHODS = ['fileAnswer', 'fileAck', 'fileResume', 'fileCancel', 'fileDone', 'fileVerified'] as const;
export type FileCallMethod = (typeof FILE_CALL_METHODS)[number];
export type FileCall = { [M in FileCallMethod]: { method: M; data: RequestData<M> } }[FileCallMethod];

/**
 * A room's transfers as part of a service of several servers (server/cluster/clusterFiles.ts sets it; unset on a
 * server alone). A transfer lives on the server where its sender last offered it; requests about it made elsewhere
 * are forwarded there.
 */
export type TransfersElsewhere = {
  /** The room's people on other servers, as parties (notifying one sends it to their server). */
  readonly parties: FileParties;
  /** Has the server holding this transfer answer the request; false when no other server holds it (answer here). */
  forward(asker: FileParty, call: FileCall): Promise<boolean>;
  /** An offer here: the transfer's state handed over by the server holding it, if one does (it lets go of it). */
  take(transferId: string, senderKey: string): Promise<TransferState | undefined>;
  /**
   * This server holds the transfer: its sender (with this key) offered it here and its location is written, or
   * (no key) it was active and its location lives on.
   */
  held(transferId: string, offeredBy?: string): void;
  /** A person of this room is back on a new socket here: the servers holding their transfers tell them what they missed. */
  partyBack(peerId: string): void;
};

/** A request about a transfer, answered by the registry here or forwarded to the server holding the transfer. */
export async function handleFileCall(files: FileTransfers, asker: FileParty, call: FileCall): Promise<void> {
  const elsewhere = files.elsewhere;
  if (elsewhere && !files.holds(call.data.transferId) && (await elsewhere.forward(asker, call))) return;
  applyFileCall(files, asker, call);
  if (files.holds(call.data.transferId)) elsewhere?.held(call.data.transferId);
}

/** An offer, after the transfer (if another server holds it) has moved here: it lives where its sender is. */
export async function offerFile(files: FileTransfers, sender: FileParty, data: RequestData<'fileOffer'>): Promise<ResponseData<'fileOffer'>> {
  const elsewhere = files.elsewhere;
  const senderKey = keyOf(data.secret);
  if (elsewhere && !files.holds(data.transferId)) {
    const state = await elsewhere.take(data.transferId, senderKey);
    if (state && !files.holds(data.transferId)) files.adopt(state);
  }
  // Written before the offer's notifications are published (on the same Redis connection): an answer from another
  // server finds it. Not for someone else's transfer, which the offer refuses.
  if ((files.senderKeyOf(data.transferId) ?? senderKey) === senderKey) elsewhere?.held(data.transferId, senderKey);
  return files.offer(sender, data);
}

/** The registry's method for the call. */
export function applyFileCall(files: FileTransfers, asker: FileParty, call: FileCall): void {
  switch (call.method) {
    case 'fileAnswer':
      return files.answer(asker, call.data);
    case 'fileAck':
      return files.ack(asker, call.data);
    case 'fileResume':
      return files.resume(asker, call.data);
    case 'fileCancel':
      return files.cancel(asker, call.data);
    case 'fileDone':
      return files.done(asker, call.data);
    case 'fileVerified':
      return files.verified(asker, call.data);
  }
}
