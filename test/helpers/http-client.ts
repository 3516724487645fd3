import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeMultipart, type FilePart } from './multipart.js';

/** A request that gets no answer within this long is a hang, and fails the test. */
export const ANSWER_WITHIN_MS = 5_000;

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T = { code?: string; data?: unknown }>(): T;
}

/** One HTTP request to a server process on 127.0.0.1, bounded in time. */
export async function call(
  port: number,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; form?: Record<string, string | FilePart>; timeoutMs?: number } = {},
): Promise<Reply> {
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  let body: Buffer | string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    const encoded = encodeMultipart(options.form);
    headers['content-type'] = encoded.contentType;
    body = encoded.body;
  }
  const timeoutMs = options.timeoutMs ?? ANSWER_WITHIN_MS;
  let response: Response;
  let bytes: Buffer;
  try {
    response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    if ((error as { name?: string }).name === 'TimeoutError')
      throw new Error(`${method} ${path}: no answer within ${timeoutMs} ms`, { cause: error });
    throw error;
  }
  return {
    status: response.status,
    headers: response.headers,
    body: bytes,
    json: <T>() => JSON.parse(bytes.toString()) as T,
  };
}

/** Registers and logs in a fresh user on a running server; returns the access token. */
export async function signUpOn(port: number): Promise<string> {
  const user = { name: 'Ada Lovelace', email: `ada.${randomBytes(6).toString('hex')}@example.com`, password: 'Tr1cky-Lantern-42' };
  const created = await call(port, 'POST', '/users/', { json: user, timeoutMs: 30_000 });
  assert.equal(created.status, 201, created.body.toString());
  const login = await call(port, 'POST', '/users/login', { json: { email: user.email, password: user.password }, timeoutMs: 30_000 });
  assert.equal(login.status, 200, login.body.toString());
  return login.json<{ data: { token: string } }>().data.token;
}
