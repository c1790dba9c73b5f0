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
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trustedProxies: number): string {
  const socket = socketAddress || 'unknown';
  if (trustedProxies <= 0 || !forwardedFor) return socket;
  const entries = forwardedFor.split(',').map((entry) => entry.trim());
  const seen = entries[Math.max(0, entries.length - trustedProxies)];
  // A proxy of our own writes an address; anything else means the proxy count is wrong, so fall back to the socket.
  return (seen && withoutPort(seen)) || socket;
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
