import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Identity } from '../modules/identity/index.js';
import { clientOf, currentPrincipal, currentUser } from '../plugins/authentication.js';
import { NoContent, errorResponses } from '../schemas/common.js';
import { ChangePasswordBody } from '../schemas/sessions.js';
import { RegisterBody, UpdateUserBody, UserEnvelope } from '../schemas/users.js';
import { presentUser } from './presenters.js';

const tags = ['users'];
const security = [{ bearerAuth: [] }];

/** The account: `/users/` and its password. */
export const usersRoutes: FastifyPluginAsyncTypebox<{ identity: Identity }> = async (app, { identity }) => {
  const { accounts, authentication } = identity;

  app.post(
    '/users/',
    {
      schema: {
        tags,
        operationId: 'registerUser',
        summary: 'Create an account',
        body: RegisterBody,
        response: { 201: UserEnvelope, ...errorResponses('EMAIL_TAKEN', 'TOO_MANY_REQUESTS', 'SERVER_BUSY') },
      },
    },
    async (request, reply) => {
      const user = await accounts.register(request.body, clientOf(request));
      return reply.code(201).send({ message: 'Successfully created new user', data: presentUser(user) });
    },
  );

  app.get(
    '/users/',
    {
      onRequest: app.authenticate,
      schema: { tags, security, operationId: 'getCurrentUser', summary: 'The caller’s profile', response: { 200: UserEnvelope } },
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
        response: { 200: UserEnvelope },
      },
    },
    async (request) => {
      const user = await accounts.rename(currentUser(request).id, request.body.name);
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
        response: { 204: NoContent },
      },
    },
    async (request, reply) => {
      const { user, sessionId } = currentPrincipal(request);
      await accounts.disable(user.id, { sessionId, client: clientOf(request) });
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/users/password',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['sessions'],
        security,
        operationId: 'changePassword',
        summary: 'Change the password; every other session ends',
        body: ChangePasswordBody,
        response: { 200: UserEnvelope, ...errorResponses('INVALID_CURRENT_PASSWORD', 'TOO_MANY_REQUESTS', 'SERVER_BUSY') },
      },
    },
    async (request) => {
      const user = await authentication.changePassword(currentPrincipal(request), request.body, clientOf(request));
      return { message: 'Successfully changed password', data: presentUser(user) };
    },
  );
};
