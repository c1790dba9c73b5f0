import type { ChatMessage } from '../../shared/protocol/index.ts';
import type { ClusterBus } from '../cluster/bus.ts';
import { channels } from '../cluster/keys.ts';
import type { BusMessage } from '../cluster/messages.ts';
import { RoomChannels } from '../cluster/roomChannels.ts';
import { createLogger } from '../log.ts';
import type { Room } from '../sfu/room.ts';
import { FeedSequencer } from './feedSequencer.ts';
import type { ChatHistoryStore } from './historyStore.ts';
import { chatFeedOf, chatHistoryKey } from './roomEvents.ts';
import type { ChatFanout, ChatFeed, ChatService } from './service.ts';

const log = createLogger('chat');

/**
 * Chat across the servers of a service. A message stored here (in Redis, numbered there) is announced on its room's
 * bus channel; every server hosting the room puts it on its own room feed, in seq order with the messages stored by
 * the others, and none stores it again. A history key names the room before its '/' (see `chatHistoryKey`).
 */
export class ClusterChat implements ChatFanout {
  readonly #chat: ChatService;
  readonly #bus: ClusterBus;
  readonly #store: ChatHistoryStore;
  /** Rooms open on this server, by name, each hearing its room's channel. */
  readonly #rooms: RoomChannels<{ room: Room }>;
  readonly #sequencers = new Map<string, FeedSequencer>();

  constructor(chat: ChatService, bus: ClusterBus, store: ChatHistoryStore) {
    this.#chat = chat;
    this.#bus = bus;
    this.#store = store;
    this.#rooms = new RoomChannels(bus);
    chat.useFanout(this);
  }

  stored(feed: ChatFeed, message: ChatMessage): void {
    const room = roomOf(feed.historyKey);
    this.#sequencer(feed.historyKey).offer(feed, message);
    this.#bus
      .publish(channels.room(room), { kind: 'chatMessage', room, historyKey: feed.historyKey, message })
      .catch((error: unknown) => {
        // Stored and acknowledged: people on other servers get it from history at their next gap or feed open.
        log.warn('chat message not announced to the other servers', { room, seq: message.seq, error });
      });
  }

  /** The room is open here: listen to what the other servers store in it. */
  opened(room: Room): void {
    // Everything stored after this server listens comes over the bus: the feed here starts after what was before.
    const historyKey = chatHistoryKey(room);
    const sequencer = this.#sequencer(historyKey);
    sequencer.awaitBaseline();
    const listen = (subscribed: Promise<void>) => {
      subscribed
        .then(() => this.#store.lastSeq(historyKey))
        .then(
          (baseline) => sequencer.startAfter(baseline),
          (error: unknown) => {
            sequencer.startAfter(undefined);
            log.error('cannot hear the other servers about this room; their messages arrive through history', { room: room.id, error });
          },
        );
      return { room };
    };
    this.#rooms.open(room, listen, (message) => this.#heard(room, message));
  }

  #heard(room: Room, busMessage: BusMessage): void {
    if (busMessage.kind !== 'chatMessage' || room.closed) return;
    const historyKey = chatHistoryKey(room);
    // Another meeting under this name (a password room elsewhere): not this room's conversation.
    if (busMessage.historyKey !== historyKey) return;
    this.#sequencer(historyKey).offer(chatFeedOf(room), busMessage.message);
  }

  /**
   * This server was taken for dead while cut off from Redis, and its rooms' histories were marked empty: they are
   * marked in use again, so their retention does not run while people are in them.
   */
  rejoined(): void {
    for (const { room } of this.#rooms.values()) {
      if (room.closed) continue;
      this.#chat.roomOpened(room.id).catch((error: unknown) => log.warn('chat history not marked in use', { room: room.id, error }));
    }
  }

  closed(room: Room): void {
    if (!this.#rooms.close(room)) return;
    for (const [historyKey, sequencer] of this.#sequencers) {
      if (roomOf(historyKey) !== room.id) continue;
      sequencer.close();
      this.#sequencers.delete(historyKey);
    }
  }

  #sequencer(historyKey: string): FeedSequencer {
    let sequencer = this.#sequencers.get(historyKey);
    if (!sequencer) {
      sequencer = new FeedSequencer(
        (feed, message) => this.#chat.deliver(feed, message),
        async (afterSeq, limit) => this.#store.history(historyKey, afterSeq, limit),
      );
      this.#sequencers.set(historyKey, sequencer);
    }
    return sequencer;
  }
}

function roomOf(historyKey: string): string {
  return historyKey.split('/', 1)[0]!;
}
