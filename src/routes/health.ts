import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { errorResponses } from '../schemas/common.js';

const Status = Type.Object({ status: Type.String() });
const tags = ['operations'];

/** Probes for orchestrators: kept out of the request log. */
export interface HealthRoutesOptions {
  /** Whether the database answers and carries every migration of this version; throws when it does not answer. */
  isReady: () => Promise<boolean>;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { isReady }) => {
  app.get(
    '/healthz',
    {
      logLevel: 'silent',
      config: { usesDatabase: false },
      schema: { tags, operationId: 'liveness', summary: 'The process is alive', response: { 200: Status } },
    },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'silent',
      schema: {
        tags,
        operationId: 'readiness',
        summary: 'The database answers and is migrated',
        response: { 200: Status, ...errorResponses('DATABASE_UNAVAILABLE') },
      },
    },
    async () => {
      let migrated: boolean;
      try {
        migrated = await isReady();
      } catch (cause) {
        // Unreachable, or not migrated at all (no migration table yet): either way, not ready.
        throw AppError.databaseUnavailable({ cause });
      }
      // An instance must not take traffic on a schema older than its code.
      if (!migrated) {
        throw AppError.databaseUnavailable({ message: 'The database is not migrated to this version' });
      }
      return { status: 'ready' };
    },
  );
};
