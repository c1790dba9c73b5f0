import type { DataConsumer, DataProducer } from 'mediasoup-client/types';
import type { SfuSession } from './sfu.ts';

/** The chat data channel as the chat controller sees it: our DataProducer's side of it. */
export interface ChatLink {
  readonly isOpen: boolean;
  readonly bufferedAmount: number;
  send(frame: string): void;
  /** Resolves when the channel's buffer has drained (or the channel closed). */
  drained(): Promise<void>;
}

/** Where the chat's data channel reports to (the chat controller). */
export type ChatChannelEvents = {
  opened(link: ChatLink): void;
  /** The room's feed is open: from now on its messages arrive (earlier ones were lost). */
  feedOpened(): void;
  closed(link: ChatLink): void;
  message(data: unknown): void;
};

/** Below this many buffered bytes the channel counts as drained. */
const LOW_WATER = 256 * 1024;

/**
 * The chat over the SFU for one media session: our `chat` DataProducer (up) and the room's feed (down). It lives
 * and dies with the session's transports; a new session opens a new one.
 */
export class ChatChannel {
  readonly #producer: DataProducer;
  readonly #consumer: DataConsumer;
  readonly #events: ChatChannelEvents;
  readonly #link: ChatLink;
  #closed = false;

  private constructor(producer: DataProducer, consumer: DataConsumer, events: ChatChannelEvents) {
    this.#producer = producer;
    this.#consumer = consumer;
    this.#events = events;
    producer.bufferedAmountLowThreshold = LOW_WATER;
    this.#link = {
      get isOpen() {
        return !producer.closed && producer.readyState === 'open';
      },
      get bufferedAmount() {
        return producer.closed ? 0 : producer.bufferedAmount;
      },
      send: (frame) => producer.send(frame),
      drained: () => this.#drained(),
    };
    consumer.on('message', (data) => events.message(data));
    consumer.on('open', () => events.feedOpened());
    if (consumer.readyState === 'open') events.feedOpened();
    producer.on('open', () => events.opened(this.#link));
    for (const end of ['close', 'transportclose', 'error'] as const) producer.on(end, () => this.close());
    if (this.#link.isOpen) events.opened(this.#link);
  }

  /** Consumes the room's chat feed and opens our chat DataProducer. */
  static async open(sfu: SfuSession, feedId: string, events: ChatChannelEvents): Promise<ChatChannel> {
    const [consumer, producer] = await Promise.allSettled([sfu.consumeData(feedId), sfu.produceData('chat')]);
    if (consumer.status === 'rejected' || producer.status === 'rejected') {
      if (consumer.status === 'fulfilled') consumer.value.close();
      if (producer.status === 'fulfilled') producer.value.close();
      throw consumer.status === 'rejected' ? consumer.reason : (producer as PromiseRejectedResult).reason;
    }
    return new ChatChannel(producer.value, consumer.value, events);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#producer.close();
    this.#consumer.close();
    this.#events.closed(this.#link);
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed || this.#producer.bufferedAmount <= LOW_WATER) return resolve();
      const done = () => {
        this.#producer.off('bufferedamountlow', done);
        this.#producer.off('close', done);
        this.#producer.off('transportclose', done);
        resolve();
      };
      this.#producer.on('bufferedamountlow', done);
      this.#producer.on('close', done);
      this.#producer.on('transportclose', done);
    });
  }
}
