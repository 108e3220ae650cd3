import net from 'node:net';

/**
 * Test fixture: a TCP forwarder in front of a real server (an emulator) that can be told to cut the
 * next N connections right after accepting them, which is what a destination looks like while it
 * is down or a network path is broken. Everything else is piped through unchanged.
 */
export interface TcpFaultGate {
  endpoint: string;
  port: number;
  /** The next `count` connections are destroyed on arrival. */
  dropNextConnections(count: number): void;
  /** Connections dropped so far. */
  dropped: number;
  close(): Promise<void>;
}

export async function startTcpFaultGate(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpFaultGate> {
  let toDrop = 0;
  const sockets = new Set<net.Socket>();
  const gate = {
    dropped: 0,
  };
  const server = net.createServer((client) => {
    if (toDrop > 0) {
      toDrop--;
      gate.dropped++;
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(gate, {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dropNextConnections(count: number) {
      toDrop = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
