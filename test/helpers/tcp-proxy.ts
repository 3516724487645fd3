import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * A TCP proxy to a local service that a test can break: `hang` keeps connections open but drops
 * every reply (a stalled server), `cut` closes everything and stops listening (a dead one), and
 * `restore` listens again on the same port.
 */
export async function tcpProxy(t: TestContext, target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let hung = false;
  let server: Server | undefined;

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.on('data', (chunk: Buffer) => {
          if (!hung) upstream.write(chunk);
        });
        upstream.on('data', (chunk: Buffer) => {
          if (!hung) client.write(chunk);
        });
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server?.address() as { port: number }).port));
    });

  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (server?.listening) server.close(() => resolve());
      else resolve();
    });

  const port = await listen(0);
  t.after(cut);
  return {
    port,
    hang: () => void (hung = true),
    cut,
    restore: async () => {
      hung = false;
      await listen(port);
    },
  };
}
