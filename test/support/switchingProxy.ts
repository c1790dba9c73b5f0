import net from 'node:net';

export type SwitchingProxy = {
  url: string;
  port: number;
  /** Where new connections go from now on (connections already open stay where they are). */
  target: number;
  close(): Promise<void>;
};

/**
 * A TCP proxy on loopback that forwards every new connection to `target`, which a test switches: a load balancer
 * that stops sending people to a server that died. The pages keep one origin (the proxy's), as behind a real one.
 */
export async function startSwitchingProxy(target: number): Promise<SwitchingProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: SwitchingProxy = { url: '', port: 0, target, close: async () => {} };
  const server = net.createServer((client) => {
    const upstream = net.connect(proxy.target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as net.AddressInfo).port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
