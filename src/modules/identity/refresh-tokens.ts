import { createHash, randomBytes } from 'node:crypto';

/** Refresh tokens are opaque random values, never JWTs; only their hash is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 is enough here: the input has 256 bits of entropy, so there is nothing to brute-force. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
