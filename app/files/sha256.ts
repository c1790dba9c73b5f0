import { createSHA256, type IHasher } from 'hash-wasm';
import { FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import type { FileSource } from './ports.ts';

/*
 * SHA-256 for transfers, through hash-wasm: WebCrypto has no streaming digest, and a receiver must be able to save
 * its hashing progress with the received bytes and take it up again after a reload.
 */

/** An incremental SHA-256 whose progress can be saved (with the bytes it covers) and loaded after a reload. */
export class IncrementalSha256 {
  readonly #hasher: IHasher;

  private constructor(hasher: IHasher) {
    this.#hasher = hasher;
  }

  /** A fresh digest, or one taken up from a `save()`d state. */
  static async create(saved?: Uint8Array): Promise<IncrementalSha256> {
    const hasher = await createSHA256();
    hasher.init();
    if (saved) hasher.load(saved);
    return new IncrementalSha256(hasher);
  }

  update(bytes: Uint8Array): void {
    this.#hasher.update(bytes);
  }

  /** A copy of the state so far (hash-wasm copies it out of its memory). */
  save(): Uint8Array {
    return this.#hasher.save();
  }

  /** The digest in lowercase hex; the hasher is spent afterwards. */
  digest(): string {
    return this.#hasher.digest('hex');
  }
}

/** SHA-256 of a few bytes (a secret, a first chunk) in lowercase hex. */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const hasher = await IncrementalSha256.create();
  hasher.update(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  return hasher.digest();
}

/** What `fileOffer` tells about a file: the SHA-256 of its first chunk (how a re-picked file is matched). */
export async function firstChunkSha256(source: FileSource): Promise<string> {
  return sha256Hex(await source.read(0, Math.min(FILE_CHUNK_SIZE, source.size)));
}

/** Bytes read per step when hashing a whole file: large enough to be quick, small enough never to matter in memory. */
const HASH_PIECE = 1024 * 1024;

/**
 * The whole file's SHA-256, read in 1 MiB pieces (never the whole file at once); `cancelled` stops it early (then
 * it resolves undefined), so a cancelled transfer does not keep reading a 4 GB file.
 */
export async function sha256OfSource(source: FileSource, cancelled: () => boolean = () => false): Promise<string | undefined> {
  const hasher = await IncrementalSha256.create();
  for (let offset = 0; offset < source.size; offset += HASH_PIECE) {
    if (cancelled()) return undefined;
    hasher.update(await source.read(offset, Math.min(HASH_PIECE, source.size - offset)));
  }
  return hasher.digest();
}

/** A party's secret: 128 random bits, URL-safe (transferSecretSchema). */
export function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replaceAll('=', '');
}

/** A transfer id (a v4 UUID, lowercase). Not crypto.randomUUID: that exists only in secure contexts. */
export function randomTransferId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
