import type { VNode } from 'preact';
import { describe, expect, test } from 'vitest';
import { splitLinks } from './links.ts';
import { MessageText } from './MessageText.tsx';

type Rendered = string | { tag: string; props: Record<string, unknown>; children: Rendered[] };

/** What MessageText renders, as plain data: strings are text nodes (the DOM escapes them), objects are elements. */
function render(text: string): Rendered[] {
  const flatten = (node: unknown): Rendered[] => {
    if (node === null || node === undefined || node === false) return [];
    if (Array.isArray(node)) return node.flatMap(flatten);
    if (typeof node === 'string' || typeof node === 'number') return [String(node)];
    const vnode = node as VNode<Record<string, unknown>>;
    if (typeof vnode.type === 'function') return flatten((vnode.type as (props: unknown) => unknown)(vnode.props));
    const { children, ...props } = vnode.props as Record<string, unknown> & { children?: unknown };
    return [{ tag: String(vnode.type), props, children: flatten(children) }];
  };
  return flatten(<MessageText text={text} />);
}

describe('message text', () => {
  test('markup stays text: nothing becomes an element or raw HTML', () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x</a>';
    expect(render(hostile)).toEqual([hostile]);
  });

  test('http(s) links become links that open in a new tab with no way back to this page', () => {
    expect(render('see https://example.org/a?b=1&c=<2> now')).toEqual([
      'see ',
      { tag: 'a', props: { href: 'https://example.org/a?b=1&c=', target: '_blank', rel: 'noopener noreferrer' }, children: ['https://example.org/a?b=1&c='] },
      '<2> now',
    ]);
  });

  test('only http and https are links; other schemes stay text', () => {
    for (const text of ['javascript:alert(1)', 'JaVaScRiPt://%0aalert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'ftp://host/x']) {
      expect(render(text)).toEqual([text]);
    }
    // A link whose text mentions javascript: is still just an https link.
    expect(splitLinks('http://a.example/javascript:alert(1)')).toEqual([
      { kind: 'link', text: 'http://a.example/javascript:alert(1)', href: 'http://a.example/javascript:alert(1)' },
    ]);
  });

  test('sentence punctuation after a link is not part of it; a bracket the link opened is', () => {
    expect(splitLinks('Go to https://example.org/x. Or (https://example.org/y), or https://en.wikipedia.org/wiki/Mesh_(topology).')).toEqual([
      { kind: 'text', text: 'Go to ' },
      { kind: 'link', text: 'https://example.org/x', href: 'https://example.org/x' },
      { kind: 'text', text: '. Or (' },
      { kind: 'link', text: 'https://example.org/y', href: 'https://example.org/y' },
      { kind: 'text', text: '), or ' },
      { kind: 'link', text: 'https://en.wikipedia.org/wiki/Mesh_(topology)', href: 'https://en.wikipedia.org/wiki/Mesh_(topology)' },
      { kind: 'text', text: '.' },
    ]);
  });
});
