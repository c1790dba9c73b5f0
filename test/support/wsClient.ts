import WebSocket from 'ws';

type Message = { id?: number | null; ok?: boolean; data?: unknown; error?: { code: string; message: string }; method?: string };

/** A bare protocol client over a real WebSocket, for tests that speak to the server without a browser. */
export class WsClient {
  readonly messages: Message[] = [];
  readonly #socket: WebSocket;
  #nextId = 1;

  /** Requests waiting for their reply, by id. */
  readonly #waiting = new Map<number, (reply: Message) => void>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      this.messages.push(message);
      if ('ok' in message && typeof message.id === 'number') this.#waiting.get(message.id)?.(message);
    });
  }

  static async open(baseUrl: string): Promise<WsClient> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new WsClient(socket);
  }

  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /** Stops reading from the socket (the server's frames pile up in its buffers), as a client that hangs would. */
  pauseReading(): void {
    this.#socket.pause();
  }

  send(frame: string | Buffer): void {
    this.#socket.send(frame);
  }

  replies(): Message[] {
    return this.messages.filter((message) => 'ok' in message);
  }

  /** Sends a request and resolves with its reply; rejects when none comes within 10 s. */
  request(method: string, data: unknown = {}): Promise<Message> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`no reply to ${method}`));
      }, 10_000);
      this.#waiting.set(id, (reply) => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        resolve(reply);
      });
      this.send(JSON.stringify({ id, method, data }));
    });
  }

  close(): void {
    this.#socket.close();
  }
}
