/** The few API calls the harness makes itself: sign-up, login, hand-built multipart, hostile uploads. */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

const CALL_TIMEOUT_MS = 30_000;

export const BENCH_PASSWORD = 'Tr1cky-Lantern-42';

export interface Account {
  id: string;
  email: string;
  password: string;
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the error message.
  }
  return { status: response.status, body };
}

/** Registers a fresh user through the API, so its password hash is real argon2id at the server's parameters. */
export async function register(base: string, label: string): Promise<Account> {
  const email = `bench.${label}.${randomBytes(4).toString('hex')}@example.com`;
  const { status, body } = await call(`${base}/users/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench Reader', email, password: BENCH_PASSWORD }),
  });
  if (status !== 201) throw new Error(`register ${label}: ${status} ${JSON.stringify(body)}`);
  return { id: (body as { data: { _id: string } }).data._id, email, password: BENCH_PASSWORD };
}

export function loginBody(email: string, password: string): string {
  return JSON.stringify({ email, password });
}

export async function login(base: string, account: Account): Promise<string> {
  const { status, body } = await call(`${base}/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: loginBody(account.email, account.password),
  });
  if (status !== 200) throw new Error(`login: ${status} ${JSON.stringify(body)}`);
  return (body as { data: { token: string } }).data.token;
}

/** One request, timed from the first byte sent to the last byte received. */
export async function timed(url: string, init: RequestInit): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

export type { FilePart } from '../test/helpers/multipart.js';
export { encodeMultipart as multipart } from '../test/helpers/multipart.js';

export interface RawUploadResult {
  /** The answer's status, or 0 when the connection was closed or reset with no answer read. */
  status: number;
  /** From connecting to the first byte of the answer, or to the close when there was none. */
  ms: number;
  /** Bytes (body and chunk framing) the client had handed to its socket by then. */
  bytesSent: number;
}

/**
 * Streams a multipart upload of `totalBytes` over a raw socket and stops as soon as the server
 * answers or closes: a server that refuses early is not made to look slow by a client that insists
 * on sending everything. With `chunked`, no Content-Length is declared, so only the multipart
 * limits can stop it.
 *
 * A server that answers and closes while request bytes are still unread makes its kernel send a
 * TCP reset, and the client's kernel may then drop the answer before anyone reads it: that case
 * resolves with status 0 rather than failing, because it is a finding, not a harness error.
 */
export function rawUpload(base: string, token: string, totalBytes: number, chunked: boolean): Promise<RawUploadResult> {
  const { hostname, port } = new URL(base);
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nOversized ${randomBytes(4).toString('hex')}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nscience\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="cover_image"; filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n` +
      // A JPEG signature, so nothing but the size can be the reason for a refusal.
      '\xff\xd8\xff\xe0',
    'latin1',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const fillerLength = totalBytes - head.length - tail.length;
  const CHUNK = 64 * 1024;
  const filler = Buffer.alloc(CHUNK, 0x5a);

  const requestHead =
    `POST /books/ HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
    (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${totalBytes}\r\n`) +
    'Connection: close\r\n\r\n';

  return new Promise((resolveUpload, reject) => {
    const started = performance.now();
    const socket = connect({ host: hostname, port: Number(port) });
    let stopped = false;
    let settled = false;
    let bytesSent = 0;
    let received = '';
    let endedMs = 0;
    const deadline = setTimeout(() => {
      socket.destroy();
      settled = true;
      reject(new Error(`oversized upload: no answer within ${CALL_TIMEOUT_MS / 1000}s`));
    }, CALL_TIMEOUT_MS);

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1] ?? 0);
      resolveUpload({ status, ms: endedMs, bytesSent });
    };
    const stop = () => {
      if (!stopped) endedMs = performance.now() - started;
      stopped = true;
    };

    socket.on('data', (data: Buffer) => {
      stop();
      received += data.toString('latin1');
      if (received.includes('\r\n\r\n')) finish();
    });
    socket.on('close', () => {
      stop();
      finish();
    });
    // EPIPE or ECONNRESET once the server has closed: the 'close' that follows settles it.
    socket.on('error', () => undefined);

    const frame = (data: Buffer): Buffer[] =>
      chunked ? [Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')] : [data];
    const write = async (data: Buffer) => {
      for (const piece of frame(data)) {
        if (stopped || socket.destroyed) return;
        bytesSent += piece.length;
        if (!socket.write(piece)) {
          await new Promise<void>((r) => {
            const done = () => {
              socket.off('drain', done);
              socket.off('data', done);
              socket.off('close', done);
              r();
            };
            socket.once('drain', done);
            socket.once('data', done);
            socket.once('close', done);
          });
        }
      }
    };
    socket.once('connect', () => {
      void (async () => {
        socket.write(requestHead);
        await write(head);
        for (let left = fillerLength; left > 0 && !stopped && !socket.destroyed; left -= CHUNK) {
          await write(left >= CHUNK ? filler : filler.subarray(0, left));
        }
        await write(tail);
        if (chunked && !stopped && !socket.destroyed) socket.write('0\r\n\r\n');
      })();
    });
  });
}
