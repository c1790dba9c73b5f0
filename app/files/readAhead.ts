import { FILE_CHUNK_SIZE } from '../../shared/protocol/index.ts';
import type { FileSource } from './ports.ts';

/**
 * Reads a file chunk by chunk, starting on the next chunk while the current one goes out: a file read takes a
 * moment, and the link should not wait for it. Only one chunk is read ahead.
 */
export class ReadAhead {
  readonly #source: FileSource;
  #ahead: { offset: number; bytes: Promise<Uint8Array> } | undefined;

  constructor(source: FileSource) {
    this.#source = source;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    const ahead = this.#ahead;
    const bytes = ahead?.offset === offset ? ahead.bytes : this.#source.read(offset, length);
    const next = offset + length;
    if (next < this.#source.size) {
      const nextBytes = this.#source.read(next, Math.min(FILE_CHUNK_SIZE, this.#source.size - next));
      nextBytes.catch(() => {}); // a failure shows when it is used
      this.#ahead = { offset: next, bytes: nextBytes };
    } else this.#ahead = undefined;
    return bytes;
  }
}
