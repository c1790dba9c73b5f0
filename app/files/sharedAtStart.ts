import { sharedFiles } from '../models/transfers.ts';
import { takeSharedFiles } from '../storage/sharedFiles.ts';

/**
 * Files shared into the app from another app (the share target) arrive as `?share=<id>` on the page the service
 * worker sent the person to: taken out of IndexedDB once, and offered in the call's Transfers panel.
 */
export async function takeSharedFilesFor(id: string): Promise<void> {
  const files = await takeSharedFiles(id).catch(() => []);
  if (files.length > 0) sharedFiles.value = files;
}
