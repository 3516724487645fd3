import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { clientOf, currentPrincipal } from '../plugins/authentication.js';
import { IdParams, NoContent, errorResponses } from '../schemas/common.js';
import { ActivityEnvelope, ActivityQuery, ChangePasswordBody, RefreshBody, SessionListEnvelope, TokenPairEnvelope } from '../schemas/sessions.js';
import { UserEnvelope } from '../schemas/users.js';
import type { AuditLog } from '../services/audit/audit-log.js';
import type { AuthService } from '../services/auth/auth-service.js';
import type { SessionsService } from '../services/sessions/sessions-service.js';
import { presentUser } from './presenters.js';

const tags = ['sessions'];
const security = [{ bearerAuth: [] }];

export interface SessionsRoutesOptions {
  auth: AuthService;
  sessions: SessionsService;
  audit: AuditLog;
}

export const sessionsRoutes: FastifyPluginAsyncTypebox<SessionsRoutesOptions> = async (app, { auth, sessions, audit }) => {
  app.post(
    '/users/token/refresh',
    {
      schema: {
        tags,
        operationId: 'refreshToken',
        summary: 'Exchange a refresh token for a new pair (single use; reuse ends the session)',
        body: RefreshBody,
        response: { 200: TokenPairEnvelope, ...errorResponses(400, 401, 415, 429) },
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
      schema: { tags, security, operationId: 'logout', summary: 'End the current session', response: { 204: NoContent, ...errorResponses(401) } },
    },
    async (request, reply) => {
      const { user, sessionId } = currentPrincipal(request);
      await sessions.logout(user.id, sessionId, clientOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/users/sessions',
    {
      onRequest: app.authenticate,
      schema: { tags, security, operationId: 'listSessions', summary: 'The caller’s live sessions', response: { 200: SessionListEnvelope, ...errorResponses(401) } },
    },
    async (request) => {
      const { user, sessionId } = currentPrincipal(request);
      const rows = await sessions.list(user.id);
      return {
        message: 'Successfully retrieved sessions',
        data: rows.map((row) => ({
          _id: row.id,
          created_at: row.created_at,
          last_used_at: row.last_used_at,
          ip: row.ip,
          user_agent: row.user_agent,
          current: row.id === sessionId,
        })),
      };
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
        response: { 204: NoContent, ...errorResponses(401, 404) },
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
        response: { 204: NoContent, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const { user, sessionId } = currentPrincipal(request);
      await sessions.revokeOthers(user.id, sessionId, clientOf(request));
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/users/password',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'changePassword',
        summary: 'Change the password; every other session ends',
        body: ChangePasswordBody,
        response: { 200: UserEnvelope, ...errorResponses(400, 401, 415, 429) },
      },
    },
    async (request) => {
      const user = await auth.changePassword(currentPrincipal(request), request.body, clientOf(request));
      return { message: 'Successfully changed password', data: presentUser(user) };
    },
  );

  app.get(
    '/users/activity',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'listActivity',
        summary: 'The caller’s security events, newest first',
        querystring: ActivityQuery,
        response: { 200: ActivityEnvelope, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const events = await audit.listForUser(currentPrincipal(request).user.id, request.query.limit);
      return {
        message: 'Successfully retrieved activity',
        data: events.map((event) => ({ _id: event.id, type: event.type, created_at: event.created_at, ip: event.ip, session_id: event.session_id })),
      };
    },
  );
};
