import { describe, expect, test } from 'vitest';
import { clientAddress, limitKey } from './clientAddress.ts';

const PROXY = '10.0.0.2';

describe('the client address that limits are charged to', () => {
  test('without trusted proxies the header is ignored: a client cannot pick its own address', () => {
    expect(clientAddress('198.51.100.9', '1.2.3.4', 0)).toBe('198.51.100.9');
    expect(clientAddress(undefined, undefined, 0)).toBe('unknown');
  });

  test('behind one proxy, the right-most entry wins: spoofed left-most entries never do', () => {
    expect(clientAddress(PROXY, '203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress(PROXY, '6.6.6.6, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress(PROXY, '6.6.6.6,7.7.7.7 ,  203.0.113.7', 1)).toBe('203.0.113.7');
    // A guesser rotating the left-most entry is still one address.
    const seen = new Set(['1.1.1.1', '2.2.2.2', '3.3.3.3'].map((fake) => clientAddress(PROXY, `${fake}, 203.0.113.7`, 1)));
    expect([...seen]).toEqual(['203.0.113.7']);
  });

  test('behind two proxies, the entry the outer proxy saw', () => {
    expect(clientAddress(PROXY, '6.6.6.6, 203.0.113.7, 10.0.0.1', 2)).toBe('203.0.113.7');
    // Fewer entries than proxies: all of them were written by proxies, so the left-most is still trustworthy.
    expect(clientAddress(PROXY, '203.0.113.7', 2)).toBe('203.0.113.7');
  });

  test('ports and IPv6 brackets are dropped; garbage where an address belongs falls back to the socket', () => {
    expect(clientAddress(PROXY, '203.0.113.7:5100', 1)).toBe('203.0.113.7');
    expect(clientAddress(PROXY, '6.6.6.6, [2001:db8::1]:5100', 1)).toBe('2001:db8::1');
    expect(clientAddress(PROXY, '2001:db8::1', 1)).toBe('2001:db8::1');
    expect(clientAddress(PROXY, '203.0.113.7, not-an-address', 1)).toBe(PROXY);
    expect(clientAddress(PROXY, '', 1)).toBe(PROXY);
    expect(clientAddress(PROXY, '203.0.113.7,', 1)).toBe(PROXY);
  });

  test('an IPv6 network counts once per /64, so rotating through its own addresses does not dodge a limit', () => {
    expect(limitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
    // IPv4 as a dual-stack socket reports it is still that IPv4 address; IPv4 stays as it is.
    expect(limitKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(limitKey('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(limitKey('203.0.113.7')).toBe('203.0.113.7');
    expect(limitKey('unknown')).toBe('unknown');
  });
});
