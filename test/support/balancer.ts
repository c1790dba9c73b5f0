import net from 'node:net';

/**
 * A TCP load balancer on loopback, as an operator would put in front of several servers: each new connection goes
 * to the preferred backend, or to the next one that accepts when it is down. Enough to show that a client whose
 * server died comes back through the same address to another one. TLS, if any, passes through untouched.
 */
export type Balancer = {
  /** http://127.0.0.1:<port> (what the pages open). */
  readonly url: string;
  readonly port: number;
  /** New connections try this backend first (existing ones stay where they are). */
  prefer(index: number): void;
  /** How many connections each backend has taken so far. */
  readonly counts: number[];
  close(): Promise<void>;
};

export async function startBalancer(backendPorts: number[]): Promise<Balancer> {
  let preferred = 0;
  const counts = backendPorts.map(() => 0);
  const sockets = new Set<net.Socket>();

  const connectTo = (order: number[], client: net.Socket): void => {
    const [index, ...rest] = order;
    if (index === undefined) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: backendPorts[index]! });
    let connected = false;
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.once('error', () => {
      // Refused: the backend is down, try the next. Once relaying, an error ends both sides.
      if (!connected) connectTo(rest, client);
      else client.destroy();
    });
    upstream.once('connect', () => {
      connected = true;
      counts[index]!++;
      client.pipe(upstream).pipe(client);
      client.once('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.resume();
    });
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => {});
    const order = backendPorts.map((_, offset) => (preferred + offset) % backendPorts.length);
    connectTo(order, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counts,
    prefer(index) {
      preferred = index;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
