import type { FileMeta, RequestData } from '../../shared/protocol/index.ts';

/*
 * What the file-transfer engine (app/files/outgoing.ts, incoming.ts, pump.ts) talks to. The engine is plain logic
 * over these ports, so unit tests drive it with fakes; app/call/roomFiles.ts wires it to the SFU, signaling, the
 * service worker and IndexedDB.
 */

/** A `file` data channel toward an exact set of peers: the SFU gives only them a copy of each frame. */
export interface FileLink {
  /** Peer ids this link reaches, sorted. */
  readonly audience: readonly string[];
  readonly isOpen: boolean;
  /** Bytes queued in the browser for this link (RTCDataChannel.bufferedAmount). */
  readonly bufferedAmount: number;
  /** Sends one binary frame (see encodeChunkFrame); throws when the link is closed. */
  send(frame: ArrayBuffer): void;
  /** Resolves once bufferedAmount is at or below the low-water mark, or the link closed. */
  drained(): Promise<void>;
}

/** Makes and keeps the links of this media session; a new media session (a rejoin) starts with none. */
export interface FileLinks {
  /** The open link toward exactly these peers, made on first use; rejects when it cannot be made now. */
  to(peerIds: readonly string[]): Promise<FileLink>;
}

/** Signaling requests the engine makes (each resolves with the server's reply or rejects with a ProtocolError). */
export interface FileControl {
  offer(data: RequestData<'fileOffer'>): Promise<{ recipients: { peerId: string; key?: string; connected: boolean }[] }>;
  answer(data: RequestData<'fileAnswer'>): Promise<void>;
  ack(data: RequestData<'fileAck'>): Promise<void>;
  resume(data: RequestData<'fileResume'>): Promise<void>;
  cancel(data: RequestData<'fileCancel'>): Promise<void>;
  done(data: RequestData<'fileDone'>): Promise<void>;
  verified(data: RequestData<'fileVerified'>): Promise<void>;
}

/** Where a received file goes: a download the service worker streams to disk (app/files/download.ts). */
export interface DownloadSink {
  /** Bytes the download has taken so far: the offset of the next byte it expects. */
  readonly written: number;
  /** Appends bytes at `offset` (=== written, or below it: the overlap is skipped); resolves when the download took them. */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Every byte is written and verified: the download completes and is saved. */
  close(): Promise<void>;
  /** The download fails with this reason: a browser never keeps it as a complete file. */
  abort(reason: string): Promise<void>;
}

/** Opens downloads; undefined from `reattach` when the service worker no longer streams that one. */
export interface Downloads {
  /** False without a service worker (private window, an old browser): then files cannot be received, said in words. */
  readonly supported: boolean;
  open(transferId: string, meta: FileMeta): Promise<DownloadSink>;
  reattach(transferId: string): Promise<DownloadSink | undefined>;
}

/** A file the sender reads on demand, a range at a time (File.slice): never whole in memory. */
export interface FileSource {
  readonly name: string;
  readonly size: number;
  readonly type: string;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Where a transfer stands, as the person sees it. */
export type TransferPhase =
  | 'offered' // incoming: waiting for Accept or Decline here; outgoing: waiting for answers
  | 'active' // bytes flowing
  | 'waiting' // interrupted (a drop, a reload, the other side away): resumes by itself
  | 'needs-file' // outgoing after this page reloaded: pick the same file again to continue
  | 'verifying' // every byte is here; comparing SHA-256
  | 'done' // complete and verified (incoming: saved in downloads)
  | 'declined'
  | 'cancelled'
  | 'failed'; // with `error` in words (a hash mismatch, the download stopped, no service worker)

/** One transfer in the Transfers list. */
export interface TransferView {
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly name: string;
  readonly size: number;
  /** The other side in words: the sender's name, or the recipients' names ("Everyone" when offered to all). */
  readonly peerLabel: string;
  readonly phase: TransferPhase;
  /** Bytes confirmed: received and persisted (in), acknowledged by the slowest active recipient (out). */
  readonly bytesDone: number;
  /** Smoothed over the last few seconds; 0 while nothing flows. */
  readonly bytesPerSecond: number;
  /** Undefined while unknown (nothing flows). */
  readonly secondsLeft: number | undefined;
  readonly error?: string;
}

/** Counters for tests and benches (exposed on window.__huddleFiles). */
export interface TransferCounters {
  /** Payload bytes put on links, resends included. */
  bytesSent: number;
  /** Payload bytes sent again after a resume or a timeout (go-back). */
  bytesResent: number;
  /** Payload bytes received and accepted in order. */
  bytesReceived: number;
  /** Chunks dropped on receipt: duplicates and out-of-order ones. */
  framesDiscarded: number;
}
