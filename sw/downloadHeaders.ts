import type { FileMeta } from '../shared/protocol/files.ts';

/*
 * The headers that make a streamed response a download with the file's own name, type and length. The length is
 * what makes a stream that ends early a failed download in the browser, never a complete-looking truncated file.
 */

// Lone UTF-16 surrogates cannot be encoded (encodeURIComponent throws): they become U+FFFD, as a browser shows them.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0 and C1 controls (and DEL): never part of a saved name, and a line break would end the header.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Combining marks left over after NFKD: "é" becomes "e" + U+0301, and only the "e" stays in the ASCII name.
const COMBINING_MARK = /\p{M}/gu;

/** The name as a browser can save it: controls removed, unpaired surrogates replaced, never empty. */
function cleanName(name: string): string {
  const cleaned = name.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '').trim();
  return cleaned === '' ? 'download' : cleaned;
}

/** An ASCII stand-in for browsers that ignore `filename*`: accents dropped, other characters as "_", no quotes. */
function asciiFallback(name: string): string {
  let ascii = '';
  for (const char of name.normalize('NFKD').replace(COMBINING_MARK, '')) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') ascii += "'";
    else ascii += code >= 0x20 && code < 0x7f ? char : '_';
  }
  return ascii;
}

/** RFC 5987 value characters (attr-char) stay as they are; every other UTF-8 byte is percent-encoded. */
function encodeExtValue(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `Content-Disposition: attachment` naming the file (RFC 6266): an ASCII `filename` for old clients and
 * `filename*=UTF-8''…` with the exact name, which every current browser prefers.
 *
 * @example contentDisposition('Résumé.pdf') // attachment; filename="Resume.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf
 */
export function contentDisposition(name: string): string {
  const clean = cleanName(name);
  return `attachment; filename="${asciiFallback(clean)}"; filename*=UTF-8''${encodeExtValue(clean)}`;
}

// type "/" subtype, each an RFC 9110 token; parameters are not kept (a download needs none).
const MIME_TYPE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+\/[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** The file's own type when it is a well-formed MIME type, else application/octet-stream. */
export function downloadContentType(type: string): string {
  const bare = type.split(';', 1)[0]?.trim() ?? '';
  return MIME_TYPE.test(bare) ? bare.toLowerCase() : 'application/octet-stream';
}

/** Every header of a download's response. */
export function downloadHeaders(meta: FileMeta): Headers {
  return new Headers({
    'Content-Disposition': contentDisposition(meta.name),
    'Content-Type': downloadContentType(meta.type),
    'Content-Length': String(meta.size),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}
