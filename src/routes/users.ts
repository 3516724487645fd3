import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { clientOf, currentPrincipal, currentUser } from '../plugins/authentication.js';
import { NoContent, errorResponses } from '../schemas/common.js';
import { LoginBody, LoginEnvelope, RegisterBody, UpdateUserBody, UserEnvelope } from '../schemas/users.js';
import type { AuthService } from '../services/auth/auth-service.js';
import type { UsersService } from '../services/users/users-service.js';
import { presentUser } from './presenters.js';

const tags = ['users'];
const security = [{ bearerAuth: [] }];

export const usersRoutes: FastifyPluginAsyncTypebox<{ users: UsersService; auth: AuthService }> = async (app, { users, auth }) => {
  app.post(
    '/users/',
    {
      schema: {
        tags,
        operationId: 'registerUser',
        summary: 'Create an account',
        body: RegisterBody,
        response: { 201: UserEnvelope, ...errorResponses(400, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const user = await users.register(request.body, clientOf(request));
      return reply.code(201).send({ message: 'Successfully created new user', data: presentUser(user) });
    },
  );

  app.post(
    '/users/login',
    {
      schema: {
        tags,
        operationId: 'login',
        summary: 'Exchange email and password for an access token',
        body: LoginBody,
        response: { 200: LoginEnvelope, ...errorResponses(400, 401, 413, 415, 429) },
      },
    },
    async (request) => {
      const { user, token, refreshToken, expiresIn } = await auth.login(request.body, clientOf(request));
      return {
        message: 'Successfully fetched auth token',
        data: { ...presentUser(user), token, refresh_token: refreshToken, token_type: 'Bearer' as const, expires_in: expiresIn },
      };
    },
  );

  app.get(
    '/users/',
    {
      onRequest: app.authenticate,
      schema: { tags, security, operationId: 'getCurrentUser', summary: 'The caller’s profile', response: { 200: UserEnvelope, ...errorResponses(401) } },
    },
    (request) => ({ message: 'Successfully retrieved user profile', data: presentUser(currentUser(request)) }),
  );

  app.put(
    '/users/',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'updateCurrentUser',
        summary: 'Change the caller’s name',
        body: UpdateUserBody,
        response: { 200: UserEnvelope, ...errorResponses(400, 401, 415) },
      },
    },
    async (request) => {
      const user = await users.rename(currentUser(request).id, request.body.name);
      return { message: 'Successfully updated account', data: presentUser(user) };
    },
  );

  app.delete(
    '/users/',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'disableCurrentUser',
        summary: 'Disable the caller’s account; its tokens stop working at once',
        response: { 204: NoContent, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const { user, sessionId } = currentPrincipal(request);
      await users.disable(user.id, { sessionId, client: clientOf(request) });
      return reply.code(204).send(null);
    },
  );
};
