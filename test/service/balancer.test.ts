import net from 'node:net';
import { afterAll, expect, test } from 'vitest';
import { startBalancer } from '../support/balancer.ts';

/* The load balancer the multi-server tests stand behind: preferred backend first, the next one when it is down. */

const servers: net.Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

async function namedServer(name: string): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => socket.end(name));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

async function greeting(port: number): Promise<string> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString()));
  await new Promise((resolve) => socket.once('close', resolve));
  return text;
}

test('connections go to the preferred server, and to the other one once it is down', async () => {
  const one = await namedServer('one');
  const two = await namedServer('two');
  const balancer = await startBalancer([one.port, two.port]);
  try {
    expect(await greeting(balancer.port)).toBe('one');
    balancer.prefer(1);
    expect(await greeting(balancer.port)).toBe('two');
    await new Promise<void>((resolve) => two.server.close(() => resolve()));
    expect(await greeting(balancer.port)).toBe('one');
    expect(balancer.counts).toEqual([2, 1]);
  } finally {
    await balancer.close();
  }
});
