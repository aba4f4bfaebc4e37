/**
 * A TCP proxy in front of a real server that can stall: while stalled it still accepts
 * connections but forwards nothing either way (a hung server, as a SIGSTOPped Temporal looks from
 * outside); resumed, everything held back flows on, so requests sent during the stall may still
 * take effect late, exactly as with the real thing.
 */
import net from 'node:net';

export interface StallProxy {
  /** `host:port` to point a client at. */
  address: string;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: string): Promise<StallProxy> {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  let stalled = false;
  const flushes = new Set<() => void>();
  const sockets = new Set<net.Socket>();

  /** Forwards `from` → `to`, holding chunks back while stalled. */
  function forward(from: net.Socket, to: net.Socket): void {
    const held: Buffer[] = [];
    const flush = () => {
      while (held.length && !stalled && !to.destroyed) to.write(held.shift()!);
    };
    flushes.add(flush);
    from.on('data', (chunk: Buffer) => {
      held.push(chunk);
      flush();
    });
    from.on('close', () => {
      flushes.delete(flush);
      // Let held bytes reach the other side first once resumed; then close it too.
      const end = () => (held.length && stalled ? setTimeout(end, 50) : to.end());
      end();
    });
  }

  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${own}`,
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
      for (const flush of flushes) flush();
    },
    close: async () => {
      stalled = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
