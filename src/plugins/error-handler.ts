import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/errors.js';
import { AppError, ERRORS, reasonPhrase, type ErrorCode } from '../errors.js';
import { toFieldIssues } from '../lib/validation.js';

/** Framework and plugin errors that are the client's doing, by their documented codes. */
const CLIENT_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FIELDS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PROTO_VIOLATION: 'MALFORMED_MULTIPART',
};

function toAppError(error: FastifyError): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) return AppError.validation(toFieldIssues(error.validation as never));
  const known = CLIENT_ERRORS[error.code];
  if (known) return new AppError(known);
  if (error instanceof SyntaxError && error.statusCode === 400) return new AppError('MALFORMED_JSON');
  if (isDatabaseUnavailable(error)) {
    return AppError.databaseUnavailable({ cause: error });
  }
  // Anything else 4xx from a plugin keeps its status.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    const byStatus = (Object.keys(ERRORS) as ErrorCode[]).find((code) => ERRORS[code].status === error.statusCode);
    return new AppError(byStatus ?? 'VALIDATION_FAILED');
  }
  return new AppError('INTERNAL', { cause: error });
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  if (error.headers) void reply.headers(error.headers);
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
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, appError);
  });
}
