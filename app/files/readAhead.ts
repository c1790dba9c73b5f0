import { FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import type { FileSource } from './ports.ts';

/** Bytes read from the file at once: a file read has a fixed cost (a trip to the browser's file backend) per call. */
const BLOCK_SIZE = 16 * FILE_CHUNK_SIZE;

/**
 * Reads a file for the chunks that go out: a 1 MiB block at a time, with the next block read while this one's
 * chunks go out, so the link never waits for the disk and a chunk costs a copy rather than a file read. At most two
 * blocks are held.
 */
export class ReadAhead {
  readonly #source: FileSource;
  readonly #blocks = new Map<number, Promise<Uint8Array>>();

  constructor(source: FileSource) {
    this.#source = source;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    const start = offset - (offset % BLOCK_SIZE);
    // Chunks start at multiples of the chunk size and never cross a block; anything else is read as it is.
    if (offset + length > start + BLOCK_SIZE) return this.#source.read(offset, length);
    const block = this.#block(start);
    const next = start + BLOCK_SIZE;
    if (next < this.#source.size) this.#block(next);
    for (const kept of this.#blocks.keys()) if (kept !== start && kept !== next) this.#blocks.delete(kept);
    // A view: the chunk frame copies it anyway.
    return block.then((bytes) => bytes.subarray(offset - start, offset - start + length));
  }

  #block(start: number): Promise<Uint8Array> {
    let block = this.#blocks.get(start);
    if (!block) {
      block = this.#source.read(start, Math.min(BLOCK_SIZE, this.#source.size - start));
      block.catch(() => this.#blocks.delete(start)); // a failure shows when it is used; the next read tries again
      this.#blocks.set(start, block);
    }
    return block;
  }
}
