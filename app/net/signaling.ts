import {
  parseResponseData,
  parseServerMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  type Method,
  type Notification,
  type RequestData,
  type ResponseData,
} from '../../shared/protocol/index.ts';
import { createLogger } from '../log.ts';
import { backoffDelay } from './backoff.ts';

const log = createLogger('signaling');

export type SignalingState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export type SignalingEvents = {
  /** The socket is open and the handshake passed; `reconnect` is true after the first time. */
  ready(info: { reconnect: boolean }): void;
  state(state: SignalingState): void;
  notification(notification: Notification): void;
  /** The server refused the handshake (wrong protocol version): retrying will not help. */
  fatal(error: ProtocolError): void;
};

type Pending = {
  method: Method;
  resolve(data: unknown): void;
  reject(error: ProtocolError): void;
  timer: ReturnType<typeof setTimeout>;
};

const REQUEST_TIMEOUT_MS = 10_000;
const KEEPALIVE_INTERVAL_MS = 10_000;
const KEEPALIVE_TIMEOUT_MS = 5_000;

/**
 * The signaling WebSocket: typed requests correlated by id, validated replies and notifications, keepalive, and
 * reconnection with backoff. Pending requests are rejected (`disconnected`) when the socket drops.
 */
export class SignalingClient {
  readonly #url: string;
  readonly #events: SignalingEvents;
  readonly #pending = new Map<number, Pending>();
  #socket: WebSocket | undefined;
  #nextId = 1;
  #attempt = 0;
  #everReady = false;
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #keepaliveTimer: ReturnType<typeof setInterval> | undefined;

  constructor(url: string, events: SignalingEvents) {
    this.#url = url;
    this.#events = events;
  }

  get closed(): boolean {
    return this.#closed;
  }

  connect(): void {
    if (this.#closed || this.#socket) return;
    this.#events.state(this.#everReady ? 'reconnecting' : 'connecting');
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    socket.onopen = () => void this.#handshake(socket);
    socket.onmessage = (event) => this.#receive(event.data);
    socket.onclose = () => this.#lost(socket);
    socket.onerror = () => socket.close();
  }

  /** Sends a request and resolves with the validated reply data; rejects with a ProtocolError. */
  request<M extends Method>(method: M, data: RequestData<M>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ResponseData<M>> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new ProtocolError('disconnected', 'Not connected to the server'));
    }
    const id = this.#nextId++;
    return new Promise<ResponseData<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ProtocolError('timeout', `${method} got no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { method, resolve: resolve as (data: unknown) => void, reject, timer });
      socket.send(JSON.stringify({ id, method, data }));
    });
  }

  /** Forces a reconnect now (e.g. the browser says the network is back). */
  reconnectNow(): void {
    if (this.#closed) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#socket) this.#socket.close();
    else this.connect();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#keepaliveTimer);
    this.#socket?.close(1000, 'bye');
    this.#socket = undefined;
    this.#rejectAll();
    this.#events.state('closed');
  }

  async #handshake(socket: WebSocket): Promise<void> {
    try {
      await this.request('hello', { protocolVersion: PROTOCOL_VERSION });
    } catch (error) {
      if (error instanceof ProtocolError && error.code === 'unsupported_version') {
        this.close();
        this.#events.fatal(error);
      } else {
        socket.close();
      }
      return;
    }
    this.#attempt = 0;
    const reconnect = this.#everReady;
    this.#everReady = true;
    this.#startKeepalive(socket);
    this.#events.state('open');
    this.#events.ready({ reconnect });
  }

  #receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const message = parseServerMessage(raw);
    if (message.kind === 'notification') {
      this.#events.notification(message.notification);
      return;
    }
    if (message.kind === 'invalid') {
      log.warn('ignored an invalid message from the server', message.reason);
      return;
    }
    const { response } = message;
    const pending = response.id === null ? undefined : this.#pending.get(response.id);
    if (!pending || response.id === null) return;
    this.#pending.delete(response.id);
    clearTimeout(pending.timer);
    if (!response.ok) {
      pending.reject(new ProtocolError(response.error.code, response.error.message));
      return;
    }
    try {
      pending.resolve(parseResponseData(pending.method, response.data));
    } catch (error) {
      pending.reject(error as ProtocolError);
    }
  }

  #startKeepalive(socket: WebSocket): void {
    clearInterval(this.#keepaliveTimer);
    this.#keepaliveTimer = setInterval(() => {
      // A silent network (phone switched from Wi-Fi to mobile data) shows only as a ping without a reply.
      this.request('ping', {}, KEEPALIVE_TIMEOUT_MS).catch(() => socket.close());
    }, KEEPALIVE_INTERVAL_MS);
  }

  #lost(socket: WebSocket): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    clearInterval(this.#keepaliveTimer);
    this.#rejectAll();
    if (this.#closed) return;
    this.#events.state(this.#everReady ? 'reconnecting' : 'connecting');
    const delay = backoffDelay(this.#attempt++);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.connect();
    }, delay);
  }

  #rejectAll(): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new ProtocolError('disconnected', `${pending.method} was cut off: connection lost`));
      this.#pending.delete(id);
    }
  }
}
