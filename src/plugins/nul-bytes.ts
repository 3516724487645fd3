import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { nulByteIssues } from '../lib/validation.js';

/**
 * Refuses a NUL character in any path parameter, query parameter or JSON body field of every route,
 * before validation, whether or not the route declares a schema for that part. Multipart text fields,
 * which a handler reads itself, meet the same rule in `compileGuard` (lib/validation.ts).
 */
export function registerNulByteGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const issues = [...nulByteIssues(request.params), ...nulByteIssues(request.query), ...nulByteIssues(request.body)];
    done(issues.length > 0 ? AppError.validation(issues) : undefined);
  });
}
