import * as v from 'valibot';
import { byteOffsetSchema, fileMetaSchema, idSchema, sha256HexSchema, transferIdSchema } from '../../shared/protocol/index.ts';
import { RecipientSlot, Transfer, type RecipientState } from './transfer.ts';

/** Recipients of one transfer (a re-offer may add some). */
export const MAX_RECIPIENTS = 64;

const recipientStates = ['offered', 'accepted', 'declined', 'cancelled', 'done', 'verified', 'failed'] as const satisfies readonly RecipientState[];

/**
 * A transfer as one server hands it to another (its sender offered it again there, see server/cluster/clusterFiles.ts):
 * everything the registry knows of it but its last activity, which restarts on arrival.
 */
export const transferStateSchema = v.object({
  id: transferIdSchema,
  meta: fileMetaSchema,
  senderKey: sha256HexSchema,
  senderPeerId: idSchema,
  senderName: v.pipe(v.string(), v.maxLength(100)),
  recipients: v.pipe(
    v.array(
      v.object({
        peerId: idSchema,
        key: v.optional(sha256HexSchema),
        state: v.picklist(recipientStates),
        acked: byteOffsetSchema,
        sha256: v.optional(sha256HexSchema),
      }),
    ),
    v.maxLength(MAX_RECIPIENTS),
  ),
});

export type TransferState = v.InferOutput<typeof transferStateSchema>;

export function stateOf(transfer: Transfer): TransferState {
  return {
    id: transfer.id,
    meta: transfer.meta,
    senderKey: transfer.senderKey,
    senderPeerId: transfer.senderPeerId,
    senderName: transfer.senderName,
    recipients: transfer.recipients.map((slot) => ({
      peerId: slot.peerId,
      ...(slot.key ? { key: slot.key } : {}),
      state: slot.state,
      acked: slot.acked,
      ...(slot.sha256 ? { sha256: slot.sha256 } : {}),
    })),
  };
}

/** The transfer again from its state; an acknowledged offset past the file's end (another server's bug) is cut. */
export function transferFrom(state: TransferState, now: number): Transfer {
  const transfer = new Transfer(state.id, state.meta, state.senderKey, { id: state.senderPeerId, name: state.senderName }, now);
  for (const recipient of state.recipients) {
    const slot = new RecipientSlot(recipient.peerId, recipient.key, recipient.state);
    slot.acked = Math.min(recipient.acked, state.meta.size);
    slot.sha256 = recipient.sha256;
    transfer.recipients.push(slot);
  }
  return transfer;
}
