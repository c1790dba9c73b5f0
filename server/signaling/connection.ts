import {
  MAX_MESSAGE_BYTES,
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
  /**
   * Destroys the socket at once, without the closing handshake (which never completes when the other end vanished);
   * the adapter later calls `Connection.closed()`.
   */
  terminate(): void;
  /** Bytes accepted by `send` but not yet handed to the network. */
  readonly bufferedAmount: number;
};

/** Cuts a socket that sent nothing (not even a ping) for this long: a phone that vanished from the network. */
export const IDLE_TIMEOUT_MS = 35_000;

/** A real client has a handful of requests in flight; past this many, a connection is flooding us. */
export const MAX_QUEUED_REQUESTS = 256;

/**
 * A client that stops reading makes every send pile up in server memory. A real client never lags this far behind
 * (the biggest reply is a few KiB); past it the socket is cut and the client reconnects and resumes.
 */
export const MAX_SEND_BUFFER_BYTES = 1024 * 1024;

const RATE_LIMITED = { code: 'rate_limited' as const, message: 'Too many messages; slow down' };

/**
 * One signaling socket: handshake first, then requests validated and run one at a time (so a peer's own requests
 * never race each other), a typed reply to each, notifications out.
 */
export class Connection {
  readonly #socket: SocketLike;
  readonly #context: HandlerContext;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Every inbound frame, well-formed or not, spends one message. */
  readonly #messages: TokenBucket;
  /** Frames refused for being over budget; a client that keeps sending through them is flooding and is cut. */
  readonly #overdraft: TokenBucket;
  #idleTimer: NodeJS.Timeout | undefined;
  /** False once the socket closed or we cut it: nothing more is sent, and queued requests never run. */
  #live = true;
  #closed = false;

  constructor(socket: SocketLike, services: Services, remoteAddress: string) {
    this.#socket = socket;
    const rate = services.config.messageRatePerSecond;
    this.#messages = new TokenBucket(rate * 5, rate);
    this.#overdraft = new TokenBucket(rate * 5, rate);
    const session: Session = {
      remoteAddress,
      handshaken: false,
      joined: undefined,
      channel: {
        notify: (notification) => this.#send(notification),
        drop: () => this.drop(),
        fence: () => this.#cut('replaced by a resumed connection'),
      },
    };
    this.#context = { session, services };
    this.#armIdleTimer();
  }

  get peerId(): string | undefined {
    return this.#context.session.joined?.peer.id;
  }

  /** Requests received and not yet finished (waiting or running). */
  get pending(): number {
    return this.#queued;
  }

  /** Cuts the socket from the server side, as a network drop would; the peer stays for its grace period. */
  drop(): void {
    this.#cut('dropped');
  }

  /** One inbound frame (text, or binary which is refused). Never throws; every readable request gets one reply. */
  received(frame: unknown): void {
    if (!this.#live) return;
    this.#armIdleTimer();
    const withinBudget = this.#messages.take() && this.#queued < MAX_QUEUED_REQUESTS;
    if (!withinBudget && !this.#overdraft.take()) {
      this.#cut('flooding', { remoteAddress: this.#context.session.remoteAddress });
      return;
    }
    if (typeof frame !== 'string' || frame.length > MAX_MESSAGE_BYTES) {
      const error = withinBudget ? { code: 'bad_request' as const, message: 'Send JSON text frames up to 64 KiB' } : RATE_LIMITED;
      this.#send({ id: null, ok: false, error });
      return;
    }
    const parsed = parseRequest(frame);
    if (!withinBudget) {
      this.#send({ id: parsed.ok ? parsed.request.id : parsed.id, ok: false, error: RATE_LIMITED });
      return;
    }
    if (!parsed.ok) {
      this.#send({ id: parsed.id, ok: false, error: parsed.error.toBody() });
      return;
    }
    this.#queued++;
    this.#queue = this.#queue.then(() => this.#run(parsed.request)).finally(() => this.#queued--);
  }

  /** The socket is gone (either side closed it). */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#live = false;
    clearTimeout(this.#idleTimer);
    // Wait for the request in flight, so a join that is half done is still cleaned up.
    this.#queue = this.#queue.then(() => handleDisconnect(this.#context));
  }

  async #run(request: Request): Promise<void> {
    if (!this.#live) return;
    const { session } = this.#context;
    try {
      if (!session.handshaken && request.method !== 'hello') {
        throw new ProtocolError('handshake_required', 'Send hello first');
      }
      const handler = handlers[request.method] as Handler<Method>;
      const run = () => handler(this.#context, request.data as never);
      // A joined peer's requests take its queue, which a resumed connection shares; checked again inside, as a
      // resume may have fenced this connection while the request waited.
      const peer = session.joined?.peer;
      const data = peer ? await peer.serialize(() => (this.#live ? run() : Promise.reject(replaced()))) : await run();
      this.#send({ id: request.id, ok: true, data });
    } catch (error) {
      this.#send({ id: request.id, ok: false, error: toProtocolError(error, request.method).toBody() });
    }
  }

  #send(message: Response | Notification): void {
    if (!this.#live) return;
    try {
      this.#socket.send(JSON.stringify(message));
    } catch (error) {
      log.warn('send failed', { error });
    }
    if (this.#socket.bufferedAmount > MAX_SEND_BUFFER_BYTES) {
      this.#cut('not reading', { bufferedAmount: this.#socket.bufferedAmount, peer: this.peerId });
    }
  }

  /** Destroys the socket and stops everything queued on it; `closed()` follows from the adapter. */
  #cut(reason: string, context: Record<string, unknown> = {}): void {
    if (!this.#live) return;
    this.#live = false;
    clearTimeout(this.#idleTimer);
    if (reason !== 'dropped') log.info('cutting socket', { reason, peer: this.peerId, ...context });
    this.#socket.terminate();
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#cut('idle'), IDLE_TIMEOUT_MS);
    this.#idleTimer.unref();
  }
}

function replaced(): ProtocolError {
  return new ProtocolError('not_joined', 'This connection was replaced by a newer one');
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
