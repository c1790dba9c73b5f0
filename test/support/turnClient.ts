import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';

/*
 * A small TURN client (RFC 5766/8656 over UDP or TCP, long-term credentials), enough to ask a TURN server what an
 * attacker holding a participant's credentials would ask: allocate a relay and open it towards an address.
 */

const MAGIC_COOKIE = 0x2112a442;
const Method = { allocate: 0x003, createPermission: 0x008 } as const;
const Attribute = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
} as const;
/** IANA protocol numbers, as REQUESTED-TRANSPORT carries them. */
export const Transport = { udp: 17, tcp: 6 } as const;

export type TurnReply = { ok: true; attributes: Map<number, Buffer> } | { ok: false; code: number; reason: string };

type Attr = [type: number, value: Buffer];

function encodeAttributes(attributes: Attr[]): Buffer {
  return Buffer.concat(
    attributes.map(([type, value]) => {
      const header = Buffer.alloc(4);
      header.writeUInt16BE(type, 0);
      header.writeUInt16BE(value.length, 2);
      return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
    }),
  );
}

function header(type: number, bodyLength: number, transactionId: Buffer): Buffer {
  const buffer = Buffer.alloc(20);
  buffer.writeUInt16BE(type, 0);
  buffer.writeUInt16BE(bodyLength, 2);
  buffer.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(buffer, 8);
  return buffer;
}

/** A request; with a key, MESSAGE-INTEGRITY (HMAC-SHA1 over everything before it, length counting it) last. */
function encodeRequest(method: number, transactionId: Buffer, attributes: Attr[], key?: Buffer): Buffer {
  const body = encodeAttributes(attributes);
  if (!key) return Buffer.concat([header(method, body.length, transactionId), body]);
  const signed = Buffer.concat([header(method, body.length + 24, transactionId), body]);
  const integrity = createHmac('sha1', key).update(signed).digest();
  return Buffer.concat([signed, encodeAttributes([[Attribute.messageIntegrity, integrity]])]);
}

function decode(message: Buffer): { type: number; transactionId: string; attributes: Map<number, Buffer> } {
  const length = message.readUInt16BE(2);
  const attributes = new Map<number, Buffer>();
  for (let offset = 20; offset + 4 <= 20 + length; ) {
    const type = message.readUInt16BE(offset);
    const size = message.readUInt16BE(offset + 2);
    attributes.set(type, message.subarray(offset + 4, offset + 4 + size));
    offset += 4 + size + ((4 - (size % 4)) % 4);
  }
  return { type: message.readUInt16BE(0), transactionId: message.subarray(8, 20).toString('hex'), attributes };
}

/** XOR-PEER-ADDRESS for an IPv4 address. */
function xorPeerAddress(ip: string, port: number): Buffer {
  const value = Buffer.alloc(8);
  value.writeUInt8(0x01, 1);
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const address = ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  value.writeUInt32BE((address ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

function parseError(value: Buffer | undefined): { code: number; reason: string } {
  if (!value) return { code: 0, reason: 'no ERROR-CODE' };
  return { code: (value.readUInt8(2) & 0x7) * 100 + value.readUInt8(3), reason: value.subarray(4).toString('utf8').replace(/\0+$/, '') };
}

/** One TURN control connection (UDP, or TCP with STUN framing) with a participant's credentials. */
export class TurnClient {
  readonly #send: (message: Buffer) => void;
  readonly #close: () => void;
  readonly #pending = new Map<string, (message: Buffer) => void>();
  readonly #credentials: { username: string; credential: string };
  #realm: string | undefined;
  #nonce: string | undefined;

  private constructor(credentials: { username: string; credential: string }, transport: { send(message: Buffer): void; close(): void }) {
    this.#credentials = credentials;
    this.#send = transport.send;
    this.#close = transport.close;
  }

  static async open(options: { host: string; port: number; over: 'udp' | 'tcp'; username: string; credential: string }): Promise<TurnClient> {
    let client: TurnClient;
    const deliver = (message: Buffer) => client.#pending.get(message.subarray(8, 20).toString('hex'))?.(message);
    if (options.over === 'udp') {
      const socket: UdpSocket = createSocket('udp4');
      socket.on('message', deliver);
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      client = new TurnClient(options, { send: (message) => socket.send(message, options.port, options.host), close: () => socket.close() });
    } else {
      const socket: TcpSocket = connect(options.port, options.host);
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 20 && buffered.length >= 20 + buffered.readUInt16BE(2)) {
          const size = 20 + buffered.readUInt16BE(2);
          deliver(buffered.subarray(0, size));
          buffered = buffered.subarray(size);
        }
      });
      client = new TurnClient(options, { send: (message) => socket.write(message), close: () => socket.destroy() });
    }
    return client;
  }

  /** Allocate a relay for this transport (UDP as WebRTC does, or TCP as RFC 6062 asks for). */
  allocate(transport: number): Promise<TurnReply> {
    const requested = Buffer.alloc(4);
    requested.writeUInt8(transport, 0);
    return this.#authenticated(Method.allocate, [[Attribute.requestedTransport, requested]]);
  }

  /** Open the relay towards an address (RFC 8656 §9): the server says 403 Forbidden when it refuses that peer. */
  createPermission(ip: string): Promise<TurnReply> {
    return this.#authenticated(Method.createPermission, [[Attribute.xorPeerAddress, xorPeerAddress(ip, 9)]]);
  }

  close(): void {
    this.#close();
  }

  /** The long-term credential flow: unauthenticated first, then again with the realm and nonce a 401/438 gives. */
  async #authenticated(method: number, attributes: Attr[]): Promise<TurnReply> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const reply = await this.#request(method, [...attributes, ...this.#credentialAttributes()], this.#key());
      if (reply.ok || (reply.code !== 401 && reply.code !== 438) || !reply.realm || !reply.nonce) return reply.reply;
      this.#realm = reply.realm;
      this.#nonce = reply.nonce;
    }
    throw new Error('TURN server kept asking for credentials');
  }

  #credentialAttributes(): Attr[] {
    if (!this.#realm || !this.#nonce) return [];
    return [
      [Attribute.username, Buffer.from(this.#credentials.username)],
      [Attribute.realm, Buffer.from(this.#realm)],
      [Attribute.nonce, Buffer.from(this.#nonce)],
    ];
  }

  #key(): Buffer | undefined {
    if (!this.#realm) return undefined;
    return createHash('md5').update(`${this.#credentials.username}:${this.#realm}:${this.#credentials.credential}`).digest();
  }

  async #request(method: number, attributes: Attr[], key: Buffer | undefined) {
    const transactionId = randomBytes(12);
    const message = await new Promise<Buffer>((resolve, reject) => {
      const id = transactionId.toString('hex');
      const request = encodeRequest(method, transactionId, attributes, key);
      // UDP may lose a datagram: resend as RFC 5389 says, give up after a few seconds.
      const resend = setInterval(() => this.#send(request), 500);
      const timeout = setTimeout(() => {
        clearInterval(resend);
        this.#pending.delete(id);
        reject(new Error('no answer from the TURN server'));
      }, 5_000);
      this.#pending.set(id, (answer) => {
        clearInterval(resend);
        clearTimeout(timeout);
        this.#pending.delete(id);
        resolve(answer);
      });
      this.#send(request);
    });
    const decoded = decode(message);
    const isError = (decoded.type & 0x0110) === 0x0110;
    const text = (type: number) => decoded.attributes.get(type)?.toString('utf8');
    if (!isError) return { ok: true as const, reply: { ok: true as const, attributes: decoded.attributes } };
    const error = parseError(decoded.attributes.get(Attribute.errorCode));
    return { ok: false as const, code: error.code, realm: text(Attribute.realm), nonce: text(Attribute.nonce), reply: { ok: false as const, ...error } };
  }
}
