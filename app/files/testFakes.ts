import { createHash } from 'node:crypto';
import { ProtocolError, type FileMeta, type NotificationData } from '../../shared/protocol/index.ts';
import type { DownloadSink, Downloads, FileControl, FileLink, FileLinks, FileSource } from './ports.ts';
import type { FileNotificationMethod } from './transferNotifications.ts';

/*
 * In-memory stand-ins for the engine's ports, for unit tests only: a file, a download, and a room that relays
 * control requests as the server would and carries chunk frames over links that can lose them.
 */

export const sha256Of = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** Bytes that differ at every offset (a misplaced chunk changes the digest). */
export function patternBytes(size: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

export class FakeSource implements FileSource {
  readonly type = 'application/octet-stream';
  largestRead = 0;
  readonly name: string;
  readonly bytes: Uint8Array;
  constructor(name: string, bytes: Uint8Array) {
    this.name = name;
    this.bytes = bytes;
  }
  get size() {
    return this.bytes.byteLength;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.largestRead = Math.max(this.largestRead, length);
    return this.bytes.slice(offset, offset + length);
  }
}

export class FakeSink implements DownloadSink {
  readonly parts: Uint8Array[] = [];
  written = 0;
  closed = false;
  aborted: string | undefined;
  /** Set to hold writes (a slow disk); resolve to let them go. */
  gate: Promise<void> | undefined;
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    await this.gate;
    if (this.closed || this.aborted !== undefined) throw new Error('the download is over');
    if (offset > this.written) throw new Error(`gap in the download at ${this.written}, got ${offset}`);
    const fresh = bytes.subarray(this.written - offset);
    this.parts.push(fresh.slice());
    this.written += fresh.byteLength;
  }
  async close() {
    this.closed = true;
  }
  async abort(reason: string) {
    this.aborted = reason;
  }
  get bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

/** Downloads that outlive an engine (as the service worker outlives a page), unless `lose` says otherwise. */
export class FakeDownloads implements Downloads {
  supported = true;
  readonly sinks = new Map<string, FakeSink>();
  readonly metas = new Map<string, FileMeta>();
  opened = 0;
  async open(transferId: string, meta: FileMeta) {
    this.opened++;
    const sink = new FakeSink();
    this.sinks.set(transferId, sink);
    this.metas.set(transferId, meta);
    return sink;
  }
  async reattach(transferId: string) {
    const sink = this.sinks.get(transferId);
    return sink && !sink.closed && sink.aborted === undefined ? sink : undefined;
  }
  lose(transferId: string) {
    this.sinks.delete(transferId);
  }
}

type Engine = {
  notification<M extends FileNotificationMethod>(method: M, data: NotificationData<M>): void;
  frame(data: ArrayBuffer): void;
};

type Party = { peerId: string; key?: string; state: 'offered' | 'accepted' | 'declined' | 'over' };
type RelayedTransfer = { id: string; senderKey: string; sender: string; meta: FileMeta; recipients: Party[] };

/** What a link did, for assertions. */
export type SentFrame = { audience: string[]; bytes: number };

/**
 * The server's part, in memory: peers (an engine each), the relay of control requests with secret → key binding,
 * and file links that deliver frames to exactly their audience, in order, dropping some when `lossRate` says so.
 */
export class FakeRoom {
  readonly engines = new Map<string, Engine>();
  readonly transfers = new Map<string, RelayedTransfer>();
  readonly requests: { from: string; method: string; data: unknown }[] = [];
  readonly sentFrames: SentFrame[] = [];
  lossRate = 0;
  /** Drops every frame while true (a connection that died without anyone noticing yet). */
  blackhole = false;
  /** Each link lets a frame go this often (0: one per macrotask): a slow path, on which a window takes a while to arrive. */
  frameIntervalMs = 0;
  random: () => number = Math.random;

  join(peerId: string, engine: Engine) {
    this.engines.set(peerId, engine);
  }
  leave(peerId: string) {
    this.engines.delete(peerId);
  }

  #notify<M extends FileNotificationMethod>(peerId: string, method: M, data: NotificationData<M>) {
    setTimeout(() => this.engines.get(peerId)?.notification(method, data), 0);
  }

  control(me: () => string): FileControl {
    const log = (method: string, data: unknown) => this.requests.push({ from: me(), method, data });
    const find = (id: string) => {
      const transfer = this.transfers.get(id);
      if (!transfer) throw new ProtocolError('not_found', 'No such transfer');
      return transfer;
    };
    const senderHere = (transfer: RelayedTransfer) => {
      if (!this.engines.has(transfer.sender)) throw new ProtocolError('not_found', 'The sender is not here');
    };
    const partyOf = (transfer: RelayedTransfer, secret: string) => transfer.recipients.find((party) => party.key === sha256Of(secret));
    return {
      offer: async (data) => {
        log('fileOffer', data);
        const known = this.transfers.get(data.transferId);
        const transfer: RelayedTransfer = known ?? {
          id: data.transferId,
          senderKey: sha256Of(data.secret),
          sender: me(),
          meta: data.meta,
          recipients: [],
        };
        transfer.sender = me();
        for (const to of data.to) {
          const party =
            (to.key && transfer.recipients.find((known) => known.key === to.key)) ||
            transfer.recipients.find((known) => known.peerId === to.peerId);
          if (!party) transfer.recipients.push({ peerId: to.peerId, state: 'offered' });
        }
        this.transfers.set(data.transferId, transfer);
        for (const party of transfer.recipients) {
          if (party.state === 'offered')
            this.#notify(party.peerId, 'fileOffered', {
              transferId: data.transferId,
              from: { peerId: me(), name: me(), key: transfer.senderKey },
              meta: data.meta,
            });
        }
        return {
          recipients: transfer.recipients.map(({ peerId, key }) => ({
            peerId,
            ...(key ? { key } : {}),
            connected: this.engines.has(peerId),
          })),
        };
      },
      answer: async (data) => {
        log('fileAnswer', data);
        const transfer = find(data.transferId);
        const party = transfer.recipients.find((known) => known.peerId === me() && known.state === 'offered');
        if (!party) throw new ProtocolError('not_found', 'Not offered to you');
        party.state = data.accept ? 'accepted' : 'declined';
        party.key = sha256Of(data.secret);
        this.#notify(transfer.sender, 'fileAnswered', { transferId: data.transferId, peerId: me(), accept: data.accept, key: party.key });
      },
      ack: async (data) => {
        log('fileAck', data);
        const transfer = find(data.transferId);
        const party = transfer.recipients.find((known) => known.peerId === me() && known.key);
        if (!party) throw new ProtocolError('not_found', 'Not a receiver');
        this.#notify(transfer.sender, 'fileAcked', { transferId: data.transferId, peerId: me(), key: party.key!, offset: data.offset });
      },
      resume: async (data) => {
        log('fileResume', data);
        const transfer = find(data.transferId);
        const party = partyOf(transfer, data.secret);
        if (!party) throw new ProtocolError('not_found', 'Not a receiver');
        senderHere(transfer);
        party.peerId = me();
        this.#notify(transfer.sender, 'fileResumeFrom', {
          transferId: data.transferId,
          peerId: me(),
          key: party.key!,
          offset: data.offset,
        });
      },
      cancel: async (data) => {
        log('fileCancel', data);
        const transfer = find(data.transferId);
        if (sha256Of(data.secret) === transfer.senderKey) {
          for (const party of transfer.recipients)
            this.#notify(party.peerId, 'fileCancelled', { transferId: data.transferId, by: 'sender' });
          this.transfers.delete(data.transferId);
          return;
        }
        const party = partyOf(transfer, data.secret);
        if (!party) throw new ProtocolError('not_found', 'Not a party');
        party.state = 'over';
        this.#notify(transfer.sender, 'fileCancelled', { transferId: data.transferId, by: 'receiver', key: party.key! });
      },
      done: async (data) => {
        log('fileDone', data);
        const party = find(data.transferId).recipients.find((known) => known.key === data.key);
        if (party) this.#notify(party.peerId, 'fileDone', { transferId: data.transferId, sha256: data.sha256 });
      },
      verified: async (data) => {
        log('fileVerified', data);
        const transfer = find(data.transferId);
        const party = transfer.recipients.find((known) => known.peerId === me() && known.key);
        if (party)
          this.#notify(transfer.sender, 'fileVerified', { transferId: data.transferId, peerId: me(), key: party.key!, ok: data.ok });
      },
    };
  }

  /** Links of one peer's media session. */
  links(): FileLinks & { made: FakeLink[] } {
    const made: FakeLink[] = [];
    return {
      made,
      to: async (peerIds) => {
        const audience = [...peerIds].sort();
        if (audience.some((peerId) => !this.engines.has(peerId))) throw new Error('a peer of that audience is not here');
        const existing = made.find((link) => link.audience.join() === audience.join() && link.isOpen);
        if (existing) return existing;
        const link = new FakeLink(audience, this);
        made.push(link);
        return link;
      },
    };
  }

  deliver(link: FakeLink, frame: ArrayBuffer) {
    this.sentFrames.push({ audience: [...link.audience], bytes: frame.byteLength });
    for (const peerId of link.audience) {
      if (this.blackhole || this.random() < this.lossRate) continue;
      this.engines.get(peerId)?.frame(frame.slice(0));
    }
  }
}

/** A data channel: frames queue (bufferedAmount) and leave one per macrotask, in order. */
export class FakeLink implements FileLink {
  isOpen = true;
  bufferedAmount = 0;
  /** The most bytes ever queued on this link at once. */
  peakBuffered = 0;
  readonly #queue: ArrayBuffer[] = [];
  #waiters: (() => void)[] = [];
  #flowing = false;
  readonly audience: readonly string[];
  readonly room: FakeRoom;
  readonly lowWater: number;
  constructor(audience: readonly string[], room: FakeRoom, lowWater = 256 * 1024) {
    this.audience = audience;
    this.room = room;
    this.lowWater = lowWater;
  }

  send(frame: ArrayBuffer) {
    if (!this.isOpen) throw new Error('closed');
    this.#queue.push(frame);
    this.bufferedAmount += frame.byteLength;
    this.peakBuffered = Math.max(this.peakBuffered, this.bufferedAmount);
    if (!this.#flowing) this.#flow();
  }

  #flow() {
    this.#flowing = true;
    setTimeout(() => {
      const frame = this.#queue.shift();
      if (frame && this.isOpen) {
        this.bufferedAmount -= frame.byteLength;
        this.room.deliver(this, frame);
      }
      if (this.bufferedAmount <= this.lowWater) this.#release();
      if (this.#queue.length > 0 && this.isOpen) this.#flow();
      else this.#flowing = false;
    }, this.room.frameIntervalMs);
  }

  #release() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  drained(): Promise<void> {
    if (!this.isOpen || this.bufferedAmount <= this.lowWater) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close() {
    this.isOpen = false;
    this.#queue.length = 0;
    this.bufferedAmount = 0;
    this.#release();
  }
}
