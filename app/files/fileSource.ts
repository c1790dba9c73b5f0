import type { FileSource } from './ports.ts';

/** A picked File as the engine reads it: one range at a time (`File.slice`), never the whole file in memory. */
export function fileSource(file: File): FileSource {
  return {
    name: file.name,
    size: file.size,
    type: file.type,
    read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
  };
}
