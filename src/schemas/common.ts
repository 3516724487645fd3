import { Type, type TSchema } from 'typebox';
import { ERRORS, type ErrorCode } from '../errors.js';

export const FieldIssueSchema = Type.Object({ field: Type.String(), message: Type.String() });

export const ErrorEnvelope = Type.Object(
  {
    message: Type.String(),
    data: Type.Null(),
    error: Type.String({ description: 'The HTTP reason phrase, e.g. "Not Found"' }),
    code: Type.String({ description: 'A stable UPPER_SNAKE error code' }),
    request_id: Type.String(),
    details: Type.Optional(Type.Array(FieldIssueSchema)),
  },
  { $id: 'ErrorEnvelope', description: 'Every failure of the API' },
);

/** The tutorial's success envelope: `{message, data}`. */
export function envelope<T extends TSchema>(data: T) {
  return Type.Object({ message: Type.String(), data });
}

export const NoContent = Type.Null({ description: 'No content' });

/**
 * The router refuses a longer path parameter with 414 before any schema sees it (app.ts passes this as
 * Fastify's `maxParamLength`), so the schemas state the same bound.
 */
export const MAX_PATH_PARAM_LENGTH = 200;

export const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: MAX_PATH_PARAM_LENGTH }) },
  { additionalProperties: false },
);

export const Timestamp = Type.String({ format: 'date-time' });

/** Where errorResponses() notes the codes of a status, for the OpenAPI plugin (Fastify ignores it). */
export const ERROR_CODES_KEY = 'x-error-codes';

/**
 * The error responses of a route's own rules, by the catalog codes its handler can answer with, grouped
 * by their status. Those that every route of its shape can give (a bearer route's 401, a body's 413, a
 * database outage's 503…) are added to the document by plugins/openapi-responses.ts: do not list them.
 */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, listed]) => [status, Type.Ref('ErrorEnvelope', { [ERROR_CODES_KEY]: listed })]));
}
