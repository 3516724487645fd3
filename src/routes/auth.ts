import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Identity } from '../modules/identity/index.js';
import { clientOf, currentPrincipal } from '../plugins/authentication.js';
import { NoContent, errorResponses } from '../schemas/common.js';
import { RefreshBody, TokenPairEnvelope } from '../schemas/sessions.js';
import { LoginBody, LoginEnvelope } from '../schemas/users.js';
import { presentUser } from './presenters.js';

const security = [{ bearerAuth: [] }];

/** Signing in and out: the login, the refresh of its tokens, the logout. */
export const authRoutes: FastifyPluginAsyncTypebox<{ identity: Identity }> = async (app, { identity }) => {
  const { authentication, sessions } = identity;

  app.post(
    '/users/login',
    {
      schema: {
        tags: ['users'],
        operationId: 'login',
        summary: 'Exchange email and password for an access token',
        body: LoginBody,
        response: { 200: LoginEnvelope, ...errorResponses('INVALID_CREDENTIALS', 'TOO_MANY_REQUESTS', 'SERVER_BUSY') },
      },
    },
    async (request) => {
      const { user, token, refreshToken, expiresIn } = await authentication.login(request.body, clientOf(request));
      return {
        message: 'Successfully fetched auth token',
        data: { ...presentUser(user), token, refresh_token: refreshToken, token_type: 'Bearer' as const, expires_in: expiresIn },
      };
    },
  );

  app.post(
    '/users/token/refresh',
    {
      schema: {
        tags: ['sessions'],
        operationId: 'refreshToken',
        summary: 'Exchange a refresh token for a new pair (single use; reuse ends the session)',
        body: RefreshBody,
        response: { 200: TokenPairEnvelope, ...errorResponses('INVALID_REFRESH_TOKEN', 'TOO_MANY_REQUESTS') },
      },
    },
    async (request) => {
      const pair = await sessions.refresh(request.body.refresh_token, clientOf(request));
      return {
        message: 'Successfully refreshed tokens',
        data: { token: pair.token, refresh_token: pair.refreshToken, token_type: 'Bearer' as const, expires_in: pair.expiresIn },
      };
    },
  );

  app.post(
    '/users/logout',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['sessions'],
        security,
        operationId: 'logout',
        summary: 'End the current session',
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { user, sessionId } = currentPrincipal(request);
      await sessions.logout(user.id, sessionId, clientOf(request));
      return reply.code(204).send(null);
    },
  );
};
