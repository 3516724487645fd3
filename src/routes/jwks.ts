import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Jwks } from '../schemas/sessions.js';
import type { Identity } from '../modules/identity/index.js';

const CACHE_FOR_FIVE_MINUTES = 'public, max-age=300';

/** The public signing keys, in the standard JWK Set shape (no envelope), so any JOSE library can verify. */
export const jwksRoutes: FastifyPluginAsyncTypebox<{ identity: Identity }> = async (app, { identity }) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['sessions'],
        operationId: 'getJwks',
        summary: 'Public keys that verify access tokens',
        response: { 200: { ...Jwks, headers: { 'Cache-Control': { type: 'string', enum: [CACHE_FOR_FIVE_MINUTES] } } } },
      },
    },
    async (_request, reply) => {
      void reply.header('cache-control', CACHE_FOR_FIVE_MINUTES);
      return identity.keys.publicJwks();
    },
  );
};
