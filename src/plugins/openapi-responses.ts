import { ERRORS, reasonPhrase, type ErrorCode } from '../errors.js';
import { ERROR_CODES_KEY } from '../schemas/common.js';

/**
 * What the OpenAPI document says about every route that the route need not say itself: the errors its
 * shape can give, the headers of each answer, and which query parameters a client may leave out. It
 * changes the document only; validation and serialization keep the route's own schema.
 */

/** The part of a Fastify route that decides its common responses. */
export interface RouteShape {
  method: string | string[];
  schema: Record<string, unknown>;
  config?: { usesDatabase?: boolean; multipartBody?: unknown } | undefined;
}

type JsonSchema = Record<string, unknown>;

/** Fastify reads a body on these methods whatever the route declares (see its content-type parser). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The codes a route can answer because of its shape, whatever its handler does. */
const SHAPE_CODES = {
  /** A fault on our side, anywhere. */
  every: ['INTERNAL'],
  /** Every route but those whose config says `usesDatabase: false`: a session check or a query can meet an outage. */
  database: ['DATABASE_UNAVAILABLE'],
  /** `app.authenticate` refuses a missing, garbled, forged, expired or revoked token. */
  bearer: ['UNAUTHENTICATED'],
  /** The router refuses an undecodable parameter (400) and one over MAX_PATH_PARAM_LENGTH (414). */
  params: ['BAD_REQUEST', 'VALIDATION_FAILED', 'URI_TOO_LONG'],
  query: ['VALIDATION_FAILED'],
  /** Any body: JSON only (or multipart on upload routes), at most the JSON body limit, with a sane Content-Length. */
  body: ['VALIDATION_FAILED', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
  /** A cover upload: the form, the image checks, the per-user upload limit and the bound on image work. */
  upload: [
    'MALFORMED_MULTIPART',
    'INVALID_IMAGE',
    'IMAGE_TOO_MANY_PIXELS',
    'IMAGE_TOO_COMPLEX',
    'UNSUPPORTED_IMAGE_TYPE',
    'TOO_MANY_REQUESTS',
    'SERVER_BUSY',
  ],
} as const satisfies Record<string, readonly ErrorCode[]>;

const CATALOG_ORDER = Object.keys(ERRORS) as ErrorCode[];

/** The headers many answers carry, as components.headers; each is sent on every answer it is documented on. */
const SHARED_HEADERS = {
  'X-Request-Id': {
    description: 'The id of this request (also the `request_id` of an error); a sane `X-Request-Id` sent by the caller is kept',
    schema: { type: 'string' },
  },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
  'WWW-Authenticate': {
    description: 'The Bearer challenge of RFC 6750, naming `invalid_token` when a token was sent',
    schema: { type: 'string' },
  },
} as const;
type SharedHeader = keyof typeof SHARED_HEADERS;

/** A header as a route's response schema names it for @fastify/swagger; finishDocument() turns it into a $ref. */
function shared(...names: SharedHeader[]): JsonSchema {
  return Object.fromEntries(names.map((name) => [name, { ...SHARED_HEADERS[name].schema }]));
}

function methodsOf(route: RouteShape): string[] {
  return [route.method].flat().map((method) => method.toUpperCase());
}

function isBearer(schema: JsonSchema): boolean {
  const security = schema.security as Record<string, unknown>[] | undefined;
  return security?.some((requirement) => 'bearerAuth' in requirement) ?? false;
}

function shapeCodes(route: RouteShape): readonly ErrorCode[] {
  const { schema, config } = route;
  return [
    ...SHAPE_CODES.every,
    ...(config?.usesDatabase === false ? [] : SHAPE_CODES.database),
    ...(isBearer(schema) ? SHAPE_CODES.bearer : []),
    ...(schema.params ? SHAPE_CODES.params : []),
    ...(schema.querystring ? SHAPE_CODES.query : []),
    ...(methodsOf(route).some((method) => BODY_METHODS.has(method)) ? SHAPE_CODES.body : []),
    ...(config?.multipartBody ? SHAPE_CODES.upload : []),
  ];
}

function describeError(status: number, codes: readonly ErrorCode[]): string {
  const lines = codes.map((code) => `- \`${code}\`: ${ERRORS[code].message}`);
  return [`${reasonPhrase(status)}, with \`code\`:`, ...lines].join('\n');
}

function errorResponse(status: number, codes: readonly ErrorCode[]): JsonSchema {
  const headers: SharedHeader[] = ['X-Request-Id'];
  if (codes.includes('UNAUTHENTICATED')) headers.push('WWW-Authenticate');
  if (status === 429 || status === 503) headers.push('Retry-After');
  return {
    'x-response-description': describeError(status, codes),
    headers: shared(...headers),
    allOf: [{ $ref: 'ErrorEnvelope' }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }],
  };
}

function successResponse(status: number, schema: JsonSchema): JsonSchema {
  return {
    ...schema,
    // x-response-description, unlike description, is not copied into the body's schema as well.
    ...(schema.description === undefined ? { 'x-response-description': reasonPhrase(status) } : {}),
    headers: { ...shared('X-Request-Id'), ...(schema.headers as JsonSchema | undefined) },
  };
}

/** A parameter with a default is one the client may leave out, though the validated value always has it. */
function withoutRequiredDefaults(schema: JsonSchema | undefined): JsonSchema | undefined {
  const properties = schema?.properties as Record<string, JsonSchema> | undefined;
  if (!schema || !properties || !Array.isArray(schema.required)) return schema;
  const required = (schema.required as string[]).filter((name) => properties[name]?.default === undefined);
  const { required: _all, ...rest } = schema;
  return required.length > 0 ? { ...rest, required } : rest;
}

/** The route's schema as the document states it: every response it can give, with its headers. */
export function documentedSchema(route: RouteShape): JsonSchema {
  const own = (route.schema.response ?? {}) as Record<string, JsonSchema>;
  const codesByStatus = new Map<number, Set<ErrorCode>>();
  const note = (code: ErrorCode) => {
    const status = ERRORS[code].status;
    codesByStatus.set(status, (codesByStatus.get(status) ?? new Set()).add(code));
  };
  for (const entry of Object.values(own)) for (const code of (entry[ERROR_CODES_KEY] as ErrorCode[] | undefined) ?? []) note(code);
  for (const code of shapeCodes(route)) note(code);

  const response: Record<string, JsonSchema> = {};
  for (const [status, entry] of Object.entries(own)) {
    if (entry[ERROR_CODES_KEY] === undefined) response[status] = successResponse(Number(status), entry);
  }
  for (const status of [...codesByStatus.keys()].sort((a, b) => a - b)) {
    const codes = CATALOG_ORDER.filter((code) => codesByStatus.get(status)?.has(code));
    response[status] = errorResponse(status, codes);
  }
  return {
    ...route.schema,
    querystring: withoutRequiredDefaults(route.schema.querystring as JsonSchema | undefined),
    headers: withoutRequiredDefaults(route.schema.headers as JsonSchema | undefined),
    response,
  };
}

type HeaderObject = Record<string, unknown>;
type Operation = { responses?: Record<string, { headers?: Record<string, HeaderObject> }> };
export type OpenApiDocument = { paths: Record<string, Record<string, Operation>>; components?: Record<string, unknown> };

/**
 * The generated document, finished: the shared headers become references to components.headers, and
 * every header is required (@fastify/swagger would put `required` inside the header's schema).
 */
export function finishDocument(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        if (!response.headers) continue;
        response.headers = Object.fromEntries(
          Object.entries(response.headers).map(([name, header]) => [
            name,
            Object.hasOwn(SHARED_HEADERS, name) ? { $ref: `#/components/headers/${name}` } : { ...header, required: true },
          ]),
        );
      }
    }
  }
  const headers = Object.fromEntries(Object.entries(SHARED_HEADERS).map(([name, header]) => [name, { ...header, required: true }]));
  document.components = { ...document.components, headers };
  return document;
}
