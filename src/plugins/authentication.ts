import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { ClientInfo, Identity, Principal } from '../modules/identity/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `app.authenticate` on routes that require a bearer token. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest) => Promise<void>;
  }
}

// RFC 6750 §2.1: the scheme is case-insensitive, the credentials a b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Each route that needs a user names `app.authenticate` in its onRequest hooks: no prefix rules. */
export function registerAuthentication(app: FastifyInstance, identity: Identity): void {
  app.decorateRequest('principal', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    try {
      if (!token) throw new AppError('UNAUTHENTICATED');
      request.principal = await identity.authentication.authenticate(token);
    } catch (error) {
      if (error instanceof AppError && error.code === 'UNAUTHENTICATED') {
        const challenge = token ? 'Bearer realm="bindery", error="invalid_token"' : 'Bearer realm="bindery"';
        throw new AppError('UNAUTHENTICATED', { headers: { 'www-authenticate': challenge } });
      }
      throw error;
    }
  });
}

/** The authenticated user and session of a route guarded by `app.authenticate`. */
export function currentPrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}

export function currentUser(request: FastifyRequest): Principal['user'] {
  return currentPrincipal(request).user;
}

/** Who is calling, for sessions and the audit trail. `request.ip` honours TRUST_PROXY. */
export function clientOf(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}
