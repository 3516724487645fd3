import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { errorResponses } from '../schemas/common.js';

const Status = Type.Object({ status: Type.String() });
const tags = ['operations'];

/** Probes for orchestrators: kept out of the request log. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ database: Database }> = async (app, { database }) => {
  app.get(
    '/healthz',
    { logLevel: 'silent', schema: { tags, operationId: 'liveness', summary: 'The process is alive', response: { 200: Status } } },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'silent',
      schema: { tags, operationId: 'readiness', summary: 'The database answers', response: { 200: Status, ...errorResponses(503) } },
    },
    async () => {
      try {
        await sql`select 1`.execute(database.db);
      } catch (cause) {
        throw new AppError('DATABASE_UNAVAILABLE', { headers: { 'retry-after': '5' }, cause });
      }
      return { status: 'ready' };
    },
  );
};
