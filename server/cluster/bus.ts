import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { createLogger } from '../log.ts';
import { busMessageSchema, type BusMessage, type OutgoingBusMessage } from './messages.ts';

const log = createLogger('bus');

/**
 * The biggest message a server sends is a room's presence list (up to MAX_PEERS_PER_ROOM names, ~100 bytes each):
 * anything far bigger is junk.
 */
export const MAX_BUS_MESSAGE_BYTES = 256 * 1024;

export type BusHandler = (message: BusMessage) => void;

/** Counted for tests and /metrics. */
export class BusStats {
  published = 0;
  received = 0;
  /** Inbound messages that were not JSON or matched no schema: logged and dropped. */
  dropped = 0;
}

/**
 * The message bus between the servers of a service: Redis pub/sub with a valibot schema per kind. Inbound messages
 * are validated before a handler sees them (a malformed one is logged and dropped); a server does not hear its
 * own messages. Delivery is at most once and only to servers subscribed at that moment: anything that must not be
 * lost (chat messages) is stored in Redis first, and the bus only says it is there.
 *
 * @example
 * const bus = new ClusterBus(serverId, publisher, subscriber);
 * await bus.subscribe(channels.room('standup'), (message) => { ... });
 * await bus.publish(channels.room('standup'), { kind: 'chatMessage', room, historyKey, message });
 */
export class ClusterBus {
  readonly stats = new BusStats();
  readonly #serverId: string;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #handlers = new Map<string, Set<BusHandler>>();
  readonly #reconnected = new Set<() => void>();
  /** A connection dropped since the bus was last whole: messages may have been lost. */
  #missed = false;
  /** When the last dropped message was logged: garbage on a channel is logged about once a second. */
  #loggedDropAt = -Infinity;

  /** `subscriber` is a connection of its own: Redis allows nothing else on a connection that subscribed. */
  constructor(serverId: string, publisher: Redis, subscriber: Redis) {
    this.#serverId = serverId;
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.#receive(channel.toString(), payload));
    // ioredis resubscribes what Redis had confirmed; a subscription asked for while Redis was away is asked again.
    let listening = subscriber.status === 'ready';
    subscriber.on('ready', () => {
      const wanted = [...this.#handlers.keys()];
      const renewed = wanted.length > 0 ? subscriber.subscribe(...wanted) : Promise.resolve();
      renewed.then(() => {
        listening = true;
        this.#maybeBack(listening);
      }, () => {});
    });
    publisher.on('ready', () => this.#maybeBack(listening));
    // Either connection dropping loses messages: the subscriber's, what was published meanwhile; the publisher's,
    // what this server tried to publish.
    subscriber.on('close', () => {
      listening = false;
      this.#missed = true;
    });
    publisher.on('close', () => (this.#missed = true));
  }

  /**
   * `listener` runs each time the bus is whole again after a connection to Redis dropped (both connections up, the
   * subscriptions renewed): bus messages sent meanwhile, either way, may be lost. If that took less than the
   * registry's reap time nobody took this server for dead, so nobody else repairs anything.
   */
  onReconnected(listener: () => void): void {
    this.#reconnected.add(listener);
  }

  /** Once per outage, when both connections are back (a Redis restart drops both, one after the other). */
  #maybeBack(listening: boolean): void {
    if (!this.#missed || !listening || this.#publisher.status !== 'ready') return;
    this.#missed = false;
    log.info('bus whole again; rooms resync with the other servers', { server: this.#serverId });
    for (const listener of this.#reconnected) {
      try {
        listener();
      } catch (error) {
        log.error('reconnect listener failed', { error });
      }
    }
  }

  get serverId(): string {
    return this.#serverId;
  }

  /** Publishes to every server subscribed to `channel`; resolves with how many heard it (this one included). */
  async publish(channel: string, message: OutgoingBusMessage): Promise<number> {
    this.stats.published++;
    return this.#publisher.publish(channel, JSON.stringify({ ...message, from: this.#serverId }));
  }

  /** Adds a handler; the first one on a channel subscribes to it (resolves once Redis confirmed). */
  async subscribe(channel: string, handler: BusHandler): Promise<void> {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      handlers.add(handler);
      await this.#subscriber.subscribe(channel);
      return;
    }
    handlers.add(handler);
  }

  /** Removes a handler; the last one gone unsubscribes. */
  async unsubscribe(channel: string, handler: BusHandler): Promise<void> {
    const handlers = this.#handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    this.#handlers.delete(channel);
    await this.#subscriber.unsubscribe(channel);
  }

  #receive(channel: string, payload: Buffer): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers) return;
    if (payload.length > MAX_BUS_MESSAGE_BYTES) return this.#drop(channel, `${payload.length} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.#drop(channel, 'not JSON');
    }
    const parsed = v.safeParse(busMessageSchema, json);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      return this.#drop(channel, `${issue?.path?.map((item) => String(item.key)).join('.') ?? 'message'}: ${issue?.message}`);
    }
    const message = parsed.output;
    if (message.from === this.#serverId) return;
    this.stats.received++;
    for (const handler of handlers) {
      try {
        handler(message);
      } catch (error) {
        // One handler's bug costs that message, never the subscription or the process.
        log.error('bus handler failed', { channel, kind: message.kind, error });
      }
    }
  }

  #drop(channel: string, problem: string): void {
    this.stats.dropped++;
    const now = performance.now();
    if (now - this.#loggedDropAt < 1000) return;
    this.#loggedDropAt = now;
    log.warn('malformed bus message dropped', { channel, problem });
  }
}
