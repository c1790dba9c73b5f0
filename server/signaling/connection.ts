import {
  parseRequest,
  ProtocolError,
  type Method,
  type Notification,
  type Request,
  type Response,
} from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import type { Handler, HandlerContext, Services, Session } from './context.ts';
import { handlers } from './handlers/index.ts';
import { handleDisconnect } from './handlers/session.ts';
import { TokenBucket } from './rateLimit.ts';

const log = createLogger('signaling');

/** The few things a connection needs from a socket; the WebSocket adapter provides them, tests fake them. */
export type SocketLike = {
  send(text: string): void;
  /** Closes the socket; the adapter later calls `Connection.closed()`. */
  close(code: number, reason: string): void;
};

/** Closes a socket that sent nothing (not even a ping) for this long: a phone that vanished from the network. */
export const IDLE_TIMEOUT_MS = 35_000;

/** A real client has a handful of requests in flight; past this many, a connection is flooding us. */
export const MAX_QUEUED_REQUESTS = 256;

/**
 * One signaling socket: handshake first, then requests validated and run one at a time (so a peer's own requests
 * never race each other), a typed reply to each, notifications out.
 */
export class Connection {
  readonly #socket: SocketLike;
  readonly #context: HandlerContext;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  readonly #messages: TokenBucket;
  #idleTimer: NodeJS.Timeout | undefined;
  #open = true;

  constructor(socket: SocketLike, services: Services, remoteAddress: string) {
    this.#socket = socket;
    const rate = services.config.messageRatePerSecond;
    this.#messages = new TokenBucket(rate * 5, rate);
    const session: Session = {
      remoteAddress,
      handshaken: false,
      joined: undefined,
      channel: {
        notify: (notification) => this.#send(notification),
        drop: () => this.drop(),
      },
    };
    this.#context = { session, services };
    this.#armIdleTimer();
  }

  get peerId(): string | undefined {
    return this.#context.session.joined?.peer.id;
  }

  /** Cuts the socket from the server side, as a network drop would. */
  drop(): void {
    this.#socket.close(4000, 'dropped');
  }

  /** One inbound text frame. Never throws; every request gets exactly one reply. */
  received(text: string): void {
    this.#armIdleTimer();
    const parsed = parseRequest(text);
    if (!parsed.ok) {
      this.#send({ id: parsed.id, ok: false, error: parsed.error.toBody() });
      return;
    }
    if (!this.#messages.take() || this.#queued >= MAX_QUEUED_REQUESTS) {
      const error = { code: 'rate_limited' as const, message: 'Too many messages; slow down' };
      this.#send({ id: parsed.request.id, ok: false, error });
      return;
    }
    this.#queued++;
    this.#queue = this.#queue.then(() => this.#run(parsed.request)).finally(() => this.#queued--);
  }

  /** The socket is gone (either side closed it). */
  closed(): void {
    if (!this.#open) return;
    this.#open = false;
    clearTimeout(this.#idleTimer);
    // Wait for the request in flight, so a join that is half done is still cleaned up.
    this.#queue = this.#queue.then(() => handleDisconnect(this.#context));
  }

  async #run(request: Request): Promise<void> {
    if (!this.#open) return;
    const { session } = this.#context;
    try {
      if (!session.handshaken && request.method !== 'hello') {
        throw new ProtocolError('handshake_required', 'Send hello first');
      }
      const handler = handlers[request.method] as Handler<Method>;
      const data = await handler(this.#context, request.data as never);
      this.#send({ id: request.id, ok: true, data });
    } catch (error) {
      this.#send({ id: request.id, ok: false, error: toProtocolError(error, request.method).toBody() });
    }
  }

  #send(message: Response | Notification): void {
    if (!this.#open) return;
    try {
      this.#socket.send(JSON.stringify(message));
    } catch (error) {
      log.warn('send failed', { error });
    }
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#socket.close(4001, 'idle'), IDLE_TIMEOUT_MS);
    this.#idleTimer.unref();
  }
}

/** Maps anything a handler throws to a protocol error; mediasoup's TypeError means it refused the parameters. */
function toProtocolError(error: unknown, method: string): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof TypeError || (error instanceof Error && error.name === 'UnsupportedError')) {
    return new ProtocolError('media_error', `${method} refused: ${error.message.slice(0, 300)}`, { cause: error });
  }
  log.error('handler failed', { method, error });
  return new ProtocolError('internal', `${method} failed on the server`, { cause: error });
}
