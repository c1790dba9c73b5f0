import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../../shared/protocol/index.ts';
import type { ClusterBus } from './bus.ts';
import { channels } from './keys.ts';
import type { BusMessage, OutgoingBusMessage } from './messages.ts';

/** How long a request to another server waits for its answer (a round trip is about a millisecond). */
export const BUS_REQUEST_TIMEOUT_MS = 3_000;

type Reply = Extract<BusMessage, { kind: 'fileReply' }>;
/** A request as asked: its id is added here. */
type Asked = Extract<OutgoingBusMessage, { kind: 'fileRequest' | 'fileRelease' }>;
type Unnamed = Asked extends infer R ? (R extends unknown ? Omit<R, 'request'> : never) : never;
type Pending = { serverId: string; resolve(reply: Reply): void; timer: NodeJS.Timeout };

/**
 * Requests to one other server over the bus, each answered by a `fileReply` naming it on this server's channel.
 * `nobody` when the server does not listen (it is gone); `unavailable` when it listens and does not answer in time.
 */
export class BusRequests {
  readonly #bus: ClusterBus;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();

  constructor(bus: ClusterBus, timeoutMs = BUS_REQUEST_TIMEOUT_MS) {
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
  }

  async ask(serverId: string, message: Unnamed): Promise<Reply | 'nobody'> {
    // Unguessable: a reply is taken only from the server asked and for a request it was told of.
    const request = randomBytes(12).toString('base64url');
    const answered = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(request);
        reject(new ProtocolError('unavailable', 'The server holding this file transfer did not answer; try again'));
      }, this.#timeoutMs);
      this.#pending.set(request, { serverId, resolve, timer });
    });
    answered.catch(() => {}); // awaited below, unless nobody listens
    let listeners: number;
    try {
      listeners = await this.#bus.publish(channels.server(serverId), { ...message, request } as OutgoingBusMessage);
    } catch (error) {
      this.#settle(request);
      throw new ProtocolError('unavailable', 'The servers cannot reach each other right now; try again', { cause: error });
    }
    if (listeners === 0) {
      this.#settle(request);
      return 'nobody';
    }
    return answered;
  }

  /** A `fileReply` heard on this server's channel. */
  replied(reply: Reply): void {
    const pending = this.#pending.get(reply.request);
    if (!pending || pending.serverId !== reply.from) return;
    this.#settle(reply.request);
    pending.resolve(reply);
  }

  #settle(request: string): void {
    const pending = this.#pending.get(request);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(request);
  }
}
