import { signal } from '@preact/signals';
import type { TransferView } from '../files/ports.ts';

/** Who a file goes to: everyone in the room now, or one person. */
export type SendTarget = { everyone: true } | { everyone: false; peerId: string };

/** What the Transfers UI can ask of the call (set during a call; the UI never touches the network itself). */
export interface TransferActions {
  /** Sends the file; resolves with why it cannot (nobody else here, no connection) or undefined. */
  send(file: File, to: SendTarget): Promise<string | undefined>;
  accept(id: string): void;
  decline(id: string): void;
  cancel(id: string): void;
  /** The same file again, after this page reloaded mid-send; resolves with why it is not the same file. */
  provideFile(id: string, file: File): Promise<string | undefined>;
}

/** Every transfer of this call, newest first. */
export const transfers = signal<readonly TransferView[]>([]);
export const transferActions = signal<TransferActions | null>(null);
/** Why files cannot be received here (no service worker: a private window, an old browser), in words; or null. */
export const receiveUnsupported = signal<string | null>(null);
/** Files shared into the app from another app (the share target), waiting for "send in this room". */
export const sharedFiles = signal<readonly File[]>([]);

export function resetTransfers(): void {
  transfers.value = [];
  transferActions.value = null;
  sharedFiles.value = [];
}
