import { signal } from '@preact/signals';

/**
 * Where a message stands: written here and waiting for a connection (`queued`), handed to the data channel
 * (`sent`), stored by the server (`delivered`); or someone else's (`received`).
 */
export type ChatItemState = 'queued' | 'sent' | 'delivered' | 'received';

/** One line of the chat as shown: the history the server numbered, then this device's outbox. */
export type ChatItem = { id: string; name: string; text: string; state: ChatItemState; mine: boolean };

/** The chat to show, oldest first; every message once. */
export const chatItems = signal<readonly ChatItem[]>([]);
/** Messages from others that arrived while the chat was closed. */
export const chatUnread = signal(0);
/** The chat sheet (phone) or side panel (wide screen) is open. */
export const chatOpen = signal(false);
/** Writes a message (into the outbox, shown at once); returns why it cannot (empty, too long). Set during a call. */
export const chatSend = signal<((text: string) => string | undefined) | null>(null);

export function setChatOpen(open: boolean): void {
  chatOpen.value = open;
  if (open) chatUnread.value = 0;
}

export function resetChat(): void {
  chatItems.value = [];
  chatUnread.value = 0;
  chatOpen.value = false;
  chatSend.value = null;
}
