import type { ResponseData } from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import { chatItems, chatOpen, chatSend, chatUnread, resetChat } from '../models/chat.ts';
import { ChatChannel } from '../net/chatChannel.ts';
import type { SfuSession } from '../net/sfu.ts';
import type { SignalingClient } from '../net/signaling.ts';
import { chatStore } from '../storage/chatStore.ts';
import { ChatController } from './chat.ts';
import { routeFeedFrame, type FeedListener } from './feedFrames.ts';

const log = createLogger('room-chat');

/**
 * A call's chat, wired: the chat controller (outbox, history, delivery) bound to the chat model the UI reads, to
 * signaling (history, acks) and to each media session's data channel, which it shares with `feedListener`
 * (annotations).
 */
export class RoomChat {
  readonly #chat: ChatController;
  readonly #feedListener: FeedListener | undefined;
  #channel: ChatChannel | undefined;
  /** The media session whose channel is wanted; a channel made for an older one is closed on arrival. */
  #session: SfuSession | undefined;

  constructor(room: string, name: string, signaling: SignalingClient, feedListener?: FeedListener) {
    this.#feedListener = feedListener;
    this.#chat = new ChatController({
      room,
      name,
      store: chatStore(),
      fetchHistory: (afterSeq, limit) => signaling.request('chatHistory', { afterSeq, limit }),
      show: (items) => void (chatItems.value = items),
      received: (count) => void (chatOpen.value || (chatUnread.value += count)),
    });
    // The stored chat shows (and takes new messages) before the server answers, or when it never does.
    chatSend.value = (text) => this.#chat.write(text);
  }

  /** The server stored our message `id` as `seq`. */
  acknowledged(id: string, seq: number): void {
    this.#chat.acknowledged(id, seq);
  }

  /** Joined or resumed: fetch the history we miss; resend what is unacknowledged. */
  joined(peerId: string, chat: ResponseData<'join'>['chat']): void {
    this.#chat.joined(peerId, chat);
  }

  /** A media session is going away: its data channel with it. */
  sessionEnded(): void {
    this.#session = undefined;
    this.#channel?.close();
    this.#channel = undefined;
  }

  /** The chat's data channel for this media session; without it chat waits (queued) for the next session. */
  sessionStarted(sfu: SfuSession, feedId: string): void {
    this.sessionEnded();
    this.#session = sfu;
    const chat = this.#chat;
    const listener = this.#feedListener;
    ChatChannel.open(sfu, feedId, {
      opened: (link) => (chat.linkOpened(link), listener?.linkOpened(link)),
      feedOpened: () => (chat.feedOpened(), listener?.feedOpened()),
      closed: (link) => (chat.linkClosed(link), listener?.linkClosed(link)),
      message: (data) => routeFeedFrame(data, { chat: (raw) => chat.receive(raw), annotation: (frame) => listener?.receive(frame) }),
    })
      .then((channel) => {
        if (this.#session === sfu && !sfu.closed) this.#channel = channel;
        else channel.close(); // the session was replaced while the channel was being made
      })
      .catch((error: unknown) => log.warn('no chat channel in this media session', String(error)));
  }

  close(): void {
    this.sessionEnded();
    this.#chat.close();
    resetChat();
  }
}
