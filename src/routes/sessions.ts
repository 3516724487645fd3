import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Identity } from '../modules/identity/index.js';
import { clientOf, currentPrincipal } from '../plugins/authentication.js';
import { IdParams, NoContent, errorResponses } from '../schemas/common.js';
import { SessionListEnvelope } from '../schemas/sessions.js';
import { presentSession } from './presenters.js';

const tags = ['sessions'];
const security = [{ bearerAuth: [] }];

/** The caller's sessions: `/users/sessions`. */
export const sessionsRoutes: FastifyPluginAsyncTypebox<{ identity: Identity }> = async (app, { identity }) => {
  const { sessions } = identity;

  app.get(
    '/users/sessions',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'listSessions',
        summary: 'The caller’s live sessions',
        response: { 200: SessionListEnvelope },
      },
    },
    async (request) => {
      const { user, sessionId } = currentPrincipal(request);
      const rows = await sessions.list(user.id);
      return { message: 'Successfully retrieved sessions', data: rows.map((row) => presentSession(row, sessionId)) };
    },
  );

  app.delete(
    '/users/sessions/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'revokeSession',
        summary: 'End one of the caller’s sessions',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses('SESSION_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      await sessions.revokeOne(currentPrincipal(request).user.id, request.params.id, clientOf(request));
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/users/sessions',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'revokeOtherSessions',
        summary: 'End every session of the caller but the current one',
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { user, sessionId } = currentPrincipal(request);
      await sessions.revokeAll(user.id, 'revoked_by_user', { client: clientOf(request), exceptId: sessionId });
      return reply.code(204).send(null);
    },
  );
};
