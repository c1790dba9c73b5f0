import type { Notification, NotificationMethod } from '../../shared/protocol/index.ts';

/**
 * The file notifications the transfers engine (transfers.ts) handles; `fileLinkOpened` and `fileLinkReady` belong to
 * the link layer.
 */
export type FileNotificationMethod = Exclude<Extract<NotificationMethod, `file${string}`>, 'fileLinkOpened' | 'fileLinkReady'>;

const handledHere: ReadonlySet<string> = new Set<FileNotificationMethod>([
  'fileOffered',
  'fileAnswered',
  'fileAcked',
  'fileResumeFrom',
  'fileCancelled',
  'fileDone',
  'fileVerified',
]);

/** Whether `FileTransfers.notification` takes this notification: `if (isTransferNotification(n)) files.notification(n.method, n.data)`. */
export function isTransferNotification(
  notification: Notification,
): notification is Extract<Notification, { method: FileNotificationMethod }> {
  return handledHere.has(notification.method);
}
