import * as v from 'valibot';
import { methods, notifications } from '../../shared/protocol/index.ts';

/*
 * The parts of the file-transfer bus messages (messages.ts) that come from the client protocol: a request one
 * server forwards to the server holding the transfer, and a notification for a person on the receiving server.
 * The same schemas as on the signaling socket, so a server acts on nothing it would refuse from a client.
 */

/** A request about a transfer, as its asker sent it (see files/elsewhere.ts, FILE_CALL_METHODS). */
export const fileCallSchema = v.variant('method', [
  v.object({ method: v.literal('fileAnswer'), data: methods.fileAnswer.request }),
  v.object({ method: v.literal('fileAck'), data: methods.fileAck.request }),
  v.object({ method: v.literal('fileResume'), data: methods.fileResume.request }),
  v.object({ method: v.literal('fileCancel'), data: methods.fileCancel.request }),
  v.object({ method: v.literal('fileDone'), data: methods.fileDone.request }),
  v.object({ method: v.literal('fileVerified'), data: methods.fileVerified.request }),
]);

/** What a transfer's registry tells its parties; nothing else crosses in a fileNotify. */
export const fileNotificationSchema = v.variant('method', [
  v.object({ method: v.literal('fileOffered'), data: notifications.fileOffered }),
  v.object({ method: v.literal('fileAnswered'), data: notifications.fileAnswered }),
  v.object({ method: v.literal('fileAcked'), data: notifications.fileAcked }),
  v.object({ method: v.literal('fileResumeFrom'), data: notifications.fileResumeFrom }),
  v.object({ method: v.literal('fileCancelled'), data: notifications.fileCancelled }),
  v.object({ method: v.literal('fileDone'), data: notifications.fileDone }),
  v.object({ method: v.literal('fileVerified'), data: notifications.fileVerified }),
]);

/** Names one forwarded request and its reply. */
export const requestIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/));
