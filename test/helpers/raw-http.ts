import { connect, type AddressInfo, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** One HTTP/1.1 answer as it came off the wire; header names in lower case. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  json<T = { code?: string; request_id?: string; data?: unknown }>(): T;
}

/** Listens on a free port of 127.0.0.1 (closed with the app) and returns the port. */
export async function listenOn(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** The first answer in `bytes`, once all of it (by its Content-Length) has arrived; undefined before. */
export function parseAnswer(bytes: Buffer): RawAnswer | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (bytes.length < end + 4 + length) return undefined;
  const body = bytes.subarray(end + 4, end + 4 + length).toString('utf8');
  return { status: Number(statusLine.split(' ')[1]), headers, body, json: <T>() => JSON.parse(body) as T };
}

/** A connection to 127.0.0.1:`port` whose errors are kept rather than thrown, destroyed when the test ends. */
export function openSocket(port: number): { socket: Socket; errors: string[]; received: () => Buffer; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  const errors: string[] = [];
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, errors, received: () => Buffer.concat(chunks), closed };
}

/** Sends `request` on a new connection and reads one answer; fails after `timeoutMs`. */
export async function rawExchange(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawAnswer> {
  const { socket, received, closed } = openSocket(port);
  socket.write(request);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const answer = parseAnswer(received());
      if (answer) return answer;
      if (socket.destroyed || Date.now() > deadline) throw new Error(`no complete answer: ${received().toString('latin1').slice(0, 200)}`);
      await Promise.race([
        new Promise((resolve) => socket.once('data', resolve)),
        closed,
        new Promise((resolve) => setTimeout(resolve, 50)),
      ]);
    }
  } finally {
    socket.destroy();
  }
}
