import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, reasonPhrase, type ErrorCode } from '../errors.js';
import { toFieldIssues } from '../lib/validation.js';
import { closeAfterDraining } from './lingering-close.js';

/**
 * Fastify and plugin errors that have a code of ours more specific than their status, by their documented
 * codes (fastify docs/Reference/Errors.md, @fastify/multipart index.js). Any other 4xx gets the generic
 * code of its status; the specific codes of a status (EMAIL_TAKEN for 409, say) are never guessed.
 */
const FRAMEWORK_ERRORS: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_NOT_FOUND: 'ROUTE_NOT_FOUND',
  // A multipart body on a JSON route is the wrong media type, though the plugin says 406.
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FIELDS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PROTO_VIOLATION: 'MALFORMED_MULTIPART',
  // A part declared application/json that is not JSON (406 from the plugin), and a body cut short.
  FST_INVALID_JSON_FIELD_ERROR: 'MALFORMED_MULTIPART',
  FST_MP_PREMATURE_CLOSE: 'MALFORMED_MULTIPART',
  // Router refusals (given to plugins/framework-errors.ts, not to the error handler).
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
};

/** The 4xx status an error carries, as Fastify reads it (statusCode, else status); undefined for anything else. */
function clientStatus(error: FastifyError & { status?: unknown }): number | undefined {
  const status: unknown = error.statusCode ?? error.status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500 ? status : undefined;
}

export function toAppError(error: FastifyError, isUnavailable: (error: unknown) => boolean): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) return AppError.validation(toFieldIssues(error.validation as never));
  const known = Object.hasOwn(FRAMEWORK_ERRORS, error.code) ? FRAMEWORK_ERRORS[error.code] : undefined;
  if (known) return new AppError(known);
  if (error instanceof SyntaxError && error.statusCode === 400) return new AppError('MALFORMED_JSON');
  if (isUnavailable(error)) return AppError.databaseUnavailable({ cause: error });
  const status = clientStatus(error);
  if (status !== undefined) return AppError.clientError(status, error);
  return new AppError('INTERNAL', { cause: error });
}

export interface ErrorHandlerOptions {
  /** Recognises the driver's outage errors (the database layer's knowledge, given by the app): 503 with Retry-After. */
  isDatabaseUnavailable: (error: unknown) => boolean;
  /** How much of a refused (413) body is read and thrown away so the client gets to read the answer. */
  drainLimitBytes: number;
}

/** The request's body stopped arriving because the client went away: nobody is left to answer. */
function clientWentAway(request: FastifyRequest): boolean {
  return !request.raw.complete && (request.raw.destroyed || request.raw.socket.destroyed);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError, drainLimitBytes = 0) {
  if (error.headers) void reply.headers(error.headers);
  // A body refused before it was read: the connection closes, gracefully, once the client has sent it.
  if (error.status === 413) {
    void reply.header('connection', 'close');
    closeAfterDraining(request.raw, drainLimitBytes);
  }
  return reply.code(error.status).send({
    message: error.message,
    data: null,
    error: reasonPhrase(error.status),
    code: error.code,
    request_id: request.id,
    ...(error.details ? { details: error.details } : {}),
  });
}

/** The one place an error becomes a response: the envelope, a stable code, never internal text. */
export function registerErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (clientWentAway(request)) {
      // Not a fault of ours, and routine on mobile networks: no error line, and no 500 in the metrics.
      request.log.info({ code: error.code }, 'the client went away before its request had arrived');
      return sendError(request, reply, new AppError('BAD_REQUEST'));
    }
    const appError = toAppError(error, options.isDatabaseUnavailable);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, appError, options.drainLimitBytes);
  });
}
