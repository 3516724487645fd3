import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { randomToken } from '../../lib/ids.js';
import { SIGNING_ALGORITHM, type Keyring } from './keyring.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenClaims {
  sub: string;
  /** The session the token belongs to: ending the session ends the token. */
  sid: string;
  jti: string;
  exp: number;
}

export interface AccessTokenOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

const CACHE_LIMIT = 10_000;

/**
 * Access tokens: short-lived JWTs (RFC 9068 `at+jwt`) signed with EdDSA and verified with a pinned
 * algorithm, issuer and audience (RFC 8725). A verified token is remembered until it expires, so a
 * busy client does not pay for a signature check on every request.
 */
export function createAccessTokens(deps: { keyring: Keyring; clock: Clock; options: AccessTokenOptions }) {
  const { keyring, clock, options } = deps;
  /** Verified tokens with the key that verified them: a retired key stops its cached tokens too. */
  const verified = new Map<string, { claims: AccessTokenClaims; kid: string }>();

  function nowSeconds(): number {
    return Math.floor(clock.now().getTime() / 1000);
  }

  async function verifySignature(token: string): Promise<{ claims: AccessTokenClaims; kid: string }> {
    const { payload, protectedHeader } = await jwtVerify(
      token,
      async (header) => {
        const key = header.kid ? await keyring.find(header.kid) : undefined;
        if (!key) throw new AppError('UNAUTHENTICATED');
        return key.publicKey;
      },
      {
        algorithms: [SIGNING_ALGORITHM],
        issuer: options.issuer,
        audience: options.audience,
        typ: ACCESS_TOKEN_TYPE,
        currentDate: clock.now(),
        requiredClaims: ['exp', 'iat', 'sub', 'jti', 'sid'],
      },
    );
    return { claims: toClaims(payload), kid: protectedHeader.kid ?? '' };
  }

  return {
    async issue(subject: string, sessionId: string): Promise<{ token: string; expiresIn: number }> {
      const key = keyring.current();
      const issuedAt = nowSeconds();
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(subject)
        .setJti(randomToken(16))
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + options.ttlSeconds)
        .sign(key.privateKey);
      return { token, expiresIn: options.ttlSeconds };
    },

    /** Any failure (garbled, forged, expired, wrong alg, unknown kid) is one 401. */
    async verify(token: string): Promise<AccessTokenClaims> {
      const cached = verified.get(token);
      if (cached) {
        if (cached.claims.exp > nowSeconds() && (await keyring.find(cached.kid))) return cached.claims;
        verified.delete(token);
        throw new AppError('UNAUTHENTICATED');
      }
      let entry: { claims: AccessTokenClaims; kid: string };
      try {
        entry = await verifySignature(token);
      } catch (error) {
        if (error instanceof AppError || error instanceof joseErrors.JOSEError || error instanceof TypeError) {
          throw new AppError('UNAUTHENTICATED');
        }
        throw error;
      }
      if (verified.size >= CACHE_LIMIT) verified.clear();
      verified.set(token, entry);
      return entry.claims;
    },
  };
}

function toClaims(payload: JWTPayload): AccessTokenClaims {
  const { sub, sid, jti, exp } = payload;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') {
    throw new AppError('UNAUTHENTICATED');
  }
  return { sub, sid, jti, exp };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
