import { describe, expect, test } from 'vitest';
import { contentDisposition, downloadContentType, downloadHeaders } from './downloadHeaders.ts';

/** The name a browser saves, read back from `filename*` as RFC 5987 defines it. */
function extName(header: string): string {
  const match = /filename\*=UTF-8''([^;\s]+)/.exec(header);
  if (!match?.[1]) throw new Error(`no filename* in ${header}`);
  return decodeURIComponent(match[1]);
}

/** The ASCII fallback, for clients without RFC 5987. */
function plainName(header: string): string {
  const match = /filename="([^"]*)"/.exec(header);
  if (match?.[1] === undefined) throw new Error(`no filename in ${header}`);
  return match[1];
}

describe('Content-Disposition of a download', () => {
  test('an ASCII name is the same in both forms, and the download is an attachment', () => {
    const header = contentDisposition('report-2026.pdf');
    expect(header).toBe(`attachment; filename="report-2026.pdf"; filename*=UTF-8''report-2026.pdf`);
  });

  test('a non-ASCII name comes back exactly from filename*, with accents dropped in the ASCII fallback', () => {
    const header = contentDisposition('Résumé – 報告.pdf');
    expect(extName(header)).toBe('Résumé – 報告.pdf');
    expect(plainName(header)).toBe('Resume _ __.pdf');
    // Nothing outside printable ASCII reaches the header itself (a Headers object would refuse it).
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(new Headers({ 'Content-Disposition': header }).get('Content-Disposition')).toBe(header);
  });

  test('quotes and backslashes cannot end the quoted fallback early or inject a parameter', () => {
    const name = 'say "hi"; filename="evil.exe" \\ o\'k (1)*.txt';
    const header = contentDisposition(name);
    expect(extName(header)).toBe(name);
    expect(plainName(header)).toBe("say 'hi'; filename='evil.exe' ' o'k (1)*.txt");
    // Exactly one quoted value and one extended value: nothing escaped its parameter.
    expect(header.match(/"/g)).toHaveLength(2);
    expect(header.split("filename*=")).toHaveLength(2);
    // RFC 5987 attr-chars only in the extended value: the quote, parentheses and star are encoded.
    expect(/filename\*=UTF-8''(\S+)/.exec(header)?.[1]).toMatch(/^[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
  });

  test('control characters (a line break would end the header) are removed', () => {
    const header = contentDisposition('two\r\nlines\u0000\u0085.txt');
    expect(extName(header)).toBe('twolines.txt');
    expect(plainName(header)).toBe('twolines.txt');
  });

  test('an emoji is one "_" in the fallback and exact in filename*, an unpaired surrogate becomes U+FFFD', () => {
    const header = contentDisposition('party 🎉.png');
    expect(extName(header)).toBe('party 🎉.png');
    expect(plainName(header)).toBe('party _.png');
    expect(extName(contentDisposition('broken\uD800.txt'))).toBe('broken\uFFFD.txt');
  });

  test('a name of nothing but controls is saved as "download"', () => {
    expect(extName(contentDisposition('\u0001\u0002'))).toBe('download');
  });
});

describe('the other headers', () => {
  test("the file's own type when well formed, else application/octet-stream", () => {
    expect(downloadContentType('video/mp4')).toBe('video/mp4');
    expect(downloadContentType('Text/Plain; charset=utf-8')).toBe('text/plain');
    expect(downloadContentType('')).toBe('application/octet-stream');
    expect(downloadContentType('not a type')).toBe('application/octet-stream');
    expect(downloadContentType('text/html\r\nSet-Cookie: x=1')).toBe('application/octet-stream');
  });

  test('the length is the file size, so a stream ending early is a failed download', () => {
    const headers = downloadHeaders({ name: 'a.bin', size: 4 * 1024 ** 3, type: '', firstChunkSha256: '0'.repeat(64) });
    expect(headers.get('Content-Length')).toBe('4294967296');
    expect(headers.get('Content-Type')).toBe('application/octet-stream');
    expect(headers.get('Content-Disposition')).toMatch(/^attachment;/);
  });
});
