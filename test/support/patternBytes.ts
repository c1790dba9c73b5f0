/**
 * Bytes of a test file that any side can make again from the offset alone (the page that sends them, a page after a
 * reload, the test that checks the saved file): word i of the file is a hash of i, so no two chunks repeat.
 */
export function patternBytes(offset: number, length: number): Uint8Array {
  const firstWord = Math.floor(offset / 4);
  const words = new Uint32Array(Math.ceil((offset + length) / 4) - firstWord);
  for (let i = 0; i < words.length; i++) {
    let x = Math.imul((firstWord + i) ^ 0x5bd1e995, 0x9e3779b1);
    x ^= x >>> 15;
    x = Math.imul(x, 0x85ebca77);
    x ^= x >>> 13;
    words[i] = x >>> 0;
  }
  const start = offset - firstWord * 4;
  return new Uint8Array(words.buffer, start, length);
}
