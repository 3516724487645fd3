import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Jwks } from '../schemas/sessions.js';
import type { Keyring } from '../services/auth/keyring.js';

/** The public signing keys, in the standard JWK Set shape (no envelope), so any JOSE library can verify. */
export const jwksRoutes: FastifyPluginAsyncTypebox<{ keyring: Keyring }> = async (app, { keyring }) => {
  app.get(
    '/.well-known/jwks.json',
    { schema: { tags: ['sessions'], operationId: 'getJwks', summary: 'Public keys that verify access tokens', response: { 200: Jwks } } },
    async (_request, reply) => {
      void reply.header('cache-control', 'public, max-age=300');
      return keyring.publicJwks();
    },
  );
};
