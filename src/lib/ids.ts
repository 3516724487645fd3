import { randomBytes, randomUUID } from 'node:crypto';

/** Public ids are random UUIDs: opaque, and impossible to guess or enumerate. */
export function newId(): string {
  return randomUUID();
}

/** A random url-safe token with `bytes` bytes of entropy. */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
