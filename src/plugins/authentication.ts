import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { UserRow } from '../services/users/users-repository.js';
import type { UsersService } from '../services/users/users-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `app.authenticate` on routes that require a bearer token. */
    user: UserRow | null;
  }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest) => Promise<void>;
  }
}

// RFC 6750 §2.1: the scheme is case-insensitive, the credentials a b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Each route that needs a user names `app.authenticate` in its onRequest hooks: no prefix rules. */
export function registerAuthentication(app: FastifyInstance, users: UsersService): void {
  app.decorateRequest('user', null);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    try {
      if (!token) throw new AppError('UNAUTHENTICATED');
      request.user = await users.authenticate(token);
    } catch (error) {
      if (error instanceof AppError && error.code === 'UNAUTHENTICATED') {
        const challenge = token ? 'Bearer realm="bindery", error="invalid_token"' : 'Bearer realm="bindery"';
        throw new AppError('UNAUTHENTICATED', { headers: { 'www-authenticate': challenge } });
      }
      throw error;
    }
  });
}

/** The authenticated user of a route guarded by `app.authenticate`. */
export function currentUser(request: FastifyRequest): UserRow {
  if (!request.user) throw new AppError('UNAUTHENTICATED');
  return request.user;
}
