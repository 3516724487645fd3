import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Identity } from '../modules/identity/index.js';
import { currentPrincipal } from '../plugins/authentication.js';
import { ActivityEnvelope, ActivityQuery } from '../schemas/sessions.js';
import { presentActivity } from './presenters.js';

/** The caller's security events: `/users/activity`. */
export const activityRoutes: FastifyPluginAsyncTypebox<{ identity: Identity }> = async (app, { identity }) => {
  app.get(
    '/users/activity',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['sessions'],
        security: [{ bearerAuth: [] }],
        operationId: 'listActivity',
        summary: 'The caller’s security events, newest first',
        querystring: ActivityQuery,
        response: { 200: ActivityEnvelope },
      },
    },
    async (request) => {
      const events = await identity.audit.listForUser(currentPrincipal(request).user.id, request.query.limit);
      return { message: 'Successfully retrieved activity', data: events.map(presentActivity) };
    },
  );
};
