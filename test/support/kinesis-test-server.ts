import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test fixture: kinesalite (an implementation of the Kinesis Data Streams API on LevelDB), started
 * in this process, in memory, on a free loopback port. Streams become ACTIVE at once.
 */
export interface KinesisTestServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

type Kinesalite = (options: {
  createStreamMs: number;
  deleteStreamMs: number;
  updateStreamMs: number;
}) => Server;

export async function startKinesisTestServer(): Promise<KinesisTestServer> {
  // kinesalite ships no types; its export is a factory of an http.Server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as Kinesalite;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
