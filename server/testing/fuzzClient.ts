import { ERROR_CODES, isMethod, parseResponseData, parseServerMessage, type Method } from '../../shared/protocol/index.ts';
import { Connection, type SocketLike } from '../signaling/connection.ts';
import type { Services } from '../signaling/context.ts';
import { toJsonWithNonFinite } from '../../test/support/fuzz.ts';

/** What a fuzz case learns from one reply: its error code, or `ok`. */
export type Outcome = { ok: true; data: unknown } | { ok: false; code: string; message: string };

/**
 * A signaling client for fuzzing: speaks to a real `Connection` through a fake socket, waits for each reply without
 * polling (thousands of cases), and checks every frame the server sends the way the app's own parser does.
 */
export class FuzzClient {
  readonly connection: Connection;
  /** Every frame the server sent that the client's parser refused (should stay empty). */
  readonly invalidFrames: string[] = [];
  terminated = false;
  #waiting: ((text: string) => void) | undefined;

  constructor(services: Services, remoteAddress = '127.0.0.1') {
    const socket: SocketLike = {
      send: (text) => {
        if (parseServerMessage(text).kind === 'invalid') this.invalidFrames.push(text);
        if (this.#waiting && isResponse(text)) {
          const resolve = this.#waiting;
          this.#waiting = undefined;
          resolve(text);
        }
      },
      terminate: () => {
        this.terminated = true;
        setImmediate(() => this.connection.closed());
      },
      bufferedAmount: 0,
    };
    this.connection = new Connection(socket, services, remoteAddress);
  }

  /**
   * Sends one raw frame and returns the reply to it, checked: a well-formed envelope, an error code from the closed
   * union (never `internal`: that is a handler that threw something untyped), and for a success to a known method,
   * data its reply schema accepts. Throws (failing the property) otherwise.
   */
  async exchange(frame: unknown, method?: string): Promise<Outcome> {
    const reply = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5_000);
      this.#waiting = (text) => {
        clearTimeout(timer);
        resolve(text);
      };
    });
    this.connection.received(frame);
    const text = await reply;
    const parsed = parseServerMessage(text);
    if (parsed.kind !== 'response') throw new Error(`reply is not a well-formed response: ${text.slice(0, 300)}`);
    const { response } = parsed;
    if (!response.ok) {
      if (!ERROR_CODES.includes(response.error.code)) throw new Error(`untyped error ${text.slice(0, 300)}`);
      if (response.error.code === 'internal') throw new Error(`the server failed internally: ${text.slice(0, 300)}`);
      return { ok: false, code: response.error.code, message: response.error.message };
    }
    if (method !== undefined && isMethod(method)) parseResponseData(method as Method, response.data);
    return { ok: true, data: response.data };
  }

  #nextId = 1;

  /** A request as the app would frame it, whatever `data` is (see POSITIVE_INFINITY). */
  async request(method: string, data: unknown): Promise<Outcome> {
    const id = this.#nextId++;
    return this.exchange(toJsonWithNonFinite({ id, method, data }), method);
  }
}

function isResponse(text: string): boolean {
  const json: unknown = JSON.parse(text);
  return typeof json === 'object' && json !== null && 'ok' in json;
}
