import type { ChatLink } from '../net/chatChannel.ts';

/**
 * Who else listens on the chat's data channel: annotations send their ops up the same channel and get their
 * frames on the same feed (the server tells them apart by `type`).
 */
export interface FeedListener {
  linkOpened(link: ChatLink): void;
  linkClosed(link: ChatLink): void;
  feedOpened(): void;
  /** A frame of type `annotation`, parsed from JSON. */
  receive(frame: unknown): void;
}

/**
 * Sends a frame from the room's feed to whom it is for: `annotation` frames to annotations, everything else (chat
 * `message` frames, and what chat judges invalid) to chat as it came. Only a frame that names the type is parsed
 * here, so chat's frames are not parsed twice.
 */
export function routeFeedFrame(raw: unknown, to: { chat(raw: unknown): void; annotation(frame: unknown): void }): void {
  if (typeof raw === 'string' && raw.includes('"annotation"')) {
    let frame: unknown;
    try {
      frame = JSON.parse(raw);
    } catch {
      frame = undefined;
    }
    if (typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === 'annotation') return to.annotation(frame);
  }
  to.chat(raw);
}
