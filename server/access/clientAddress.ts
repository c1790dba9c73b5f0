import { isIP } from 'node:net';

/**
 * The address per-address limits are charged to.
 *
 * Each reverse proxy appends the address it received the request from to `X-Forwarded-For`, so behind
 * `trustedProxies` proxies of your own the entry that many places from the right is the one the outermost of them
 * saw: the client's real address. Everything to its left was written by the client and is never believed. With
 * fewer entries than proxies, every entry came from a proxy, and the left-most is the furthest one known.
 * With no trusted proxies (the default) the header is ignored: the socket's peer is the client.
 *
 * @example clientAddress('10.0.0.2', '6.6.6.6, 203.0.113.7', 1) // '203.0.113.7'
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: number,
): string {
  const socket = socketAddress || 'unknown';
  if (trustedProxies <= 0 || !forwardedFor) return socket;
  const entries = forwardedFor.split(',').map((entry) => entry.trim());
  const seen = entries[Math.max(0, entries.length - trustedProxies)];
  // A proxy of our own writes an address; anything else means the proxy count is wrong, so fall back to the socket.
  return (seen && withoutPort(seen)) || socket;
}

/**
 * The key per-address limits count under. One IPv6 subscriber routinely holds a whole /64 (2⁶⁴ addresses to
 * rotate through), so IPv6 addresses count per /64; an IPv4 address written as IPv6 (`::ffff:203.0.113.7`, as
 * dual-stack sockets report it) counts as that IPv4 address.
 *
 * @example limitKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function limitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail folded in). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16));
  return groups.length === 8 && groups.every((group) => group >= 0 && group <= 0xffff) ? groups : undefined;
}

/** `203.0.113.7`, `203.0.113.7:5100`, `2001:db8::1` or `[2001:db8::1]:5100` → the bare address; else undefined. */
function withoutPort(entry: string): string | undefined {
  if (isIP(entry)) return entry;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry)?.[1];
  if (bracketed && isIP(bracketed) === 6) return bracketed;
  const v4WithPort = /^([\d.]+):\d+$/.exec(entry)?.[1];
  if (v4WithPort && isIP(v4WithPort) === 4) return v4WithPort;
  return undefined;
}
