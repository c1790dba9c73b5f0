/** A piece of a chat message: plain text, or an http(s) link to make clickable. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Candidates only: every match is checked again with the URL parser below.
const CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that usually ends the sentence around a link rather than the link itself. */
const TRAILING = /[.,;:!?'"’”)\]}>]+$/;

/**
 * Splits message text into plain text and http(s) links. Nothing here is ever HTML: the parts are rendered as
 * text nodes and `<a>` elements whose href is a parsed http(s) URL, so `javascript:` and markup stay plain text.
 */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    let candidate = match[0];
    const trailing = TRAILING.exec(candidate)?.[0] ?? '';
    // Keep a closing bracket that belongs to the link, as in https://en.wikipedia.org/wiki/Mesh_(disambiguation).
    const keep = trailing.startsWith(')') && candidate.includes('(') ? 1 : 0;
    candidate = candidate.slice(0, candidate.length - trailing.length + keep);
    const href = safeHref(candidate);
    if (!href) continue;
    if (match.index > last) parts.push({ kind: 'text', text: text.slice(last, match.index) });
    parts.push({ kind: 'link', text: candidate, href });
    last = match.index + candidate.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

function safeHref(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
