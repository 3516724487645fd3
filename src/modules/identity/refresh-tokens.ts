import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** Refresh tokens are opaque random values, never JWTs; only their hash is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 is enough here: the input has 256 bits of entropy, so there is nothing to brute-force. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * The successor of a refresh token is derived from it (HMAC-SHA-256 under a key of its own, derived
 * from SECRET_KEY), so the same token exchanged twice inside the grace window yields the same
 * successor while the database still holds only hashes: a session never has two live refresh tokens.
 */
export function createSuccessors(secretKey: string): (token: string) => string {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'bindery', 'refresh-token-successor', 32));
  return (token) => createHmac('sha256', key).update(token).digest('base64url');
}
