import WebSocket from 'ws';

type Message = { id?: number | null; ok?: boolean; data?: unknown; error?: { code: string; message: string }; method?: string };

/** A bare protocol client over a real WebSocket, for tests that speak to the server without a browser. */
export class WsClient {
  readonly messages: Message[] = [];
  readonly #socket: WebSocket;
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Message));
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

  async request(method: string, data: unknown = {}): Promise<Message> {
    const id = this.#nextId++;
    this.send(JSON.stringify({ id, method, data }));
    for (let waited = 0; waited < 10_000; waited += 10) {
      const reply = this.messages.find((message) => 'ok' in message && message.id === id);
      if (reply) return reply;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no reply to ${method}`);
  }

  close(): void {
    this.#socket.close();
  }
}
