import { STATUS_CODES } from 'node:http';

/**
 * The error catalog: every failure the API can answer with, by stable code.
 * Tests assert on the code; the message is for people and may be reworded.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON' },
  MALFORMED_MULTIPART: { status: 400, message: 'The multipart body could not be read' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is not valid' },
  COVER_REQUIRED: { status: 400, message: 'A cover_image file is required' },
  INVALID_IMAGE: { status: 400, message: 'The cover image could not be decoded' },
  IMAGE_TOO_MANY_PIXELS: { status: 400, message: 'The cover image has too many pixels' },
  IMAGE_TOO_COMPLEX: { status: 400, message: 'The cover image has too many scans to decode' },
  UNSUPPORTED_IMAGE_TYPE: { status: 415, message: 'The cover image must be a JPEG, PNG, WebP or GIF' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The content type of the request is not supported' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid email or password' },
  INVALID_REFRESH_TOKEN: { status: 401, message: 'The refresh token is not valid; log in again' },
  INVALID_CURRENT_PASSWORD: { status: 400, message: 'The current password is not correct' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, message: 'Endpoint not found' },
  BOOK_NOT_FOUND: { status: 404, message: 'Book not found' },
  IMAGE_NOT_FOUND: { status: 404, message: 'Image not found' },
  SESSION_NOT_FOUND: { status: 404, message: 'Session not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this endpoint' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists' },
  TITLE_TAKEN: { status: 409, message: 'You already have a book with this title' },
  TOO_MANY_REQUESTS: { status: 429, message: 'Too many requests, try again later' },
  INTERNAL: { status: 500, message: 'Something went wrong' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable, try again shortly' },
  SERVER_BUSY: { status: 503, message: 'The server is busy, try again shortly' },
  // Generic codes, one per 4xx status: what an error from Fastify or a plugin answers with when no code
  // above says more. The specific codes keep their meaning; these never stand for one of them.
  BAD_REQUEST: { status: 400, message: 'The request could not be understood' },
  NOT_ACCEPTABLE: { status: 406, message: 'No acceptable representation of the response is available' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state of the resource' },
  GONE: { status: 410, message: 'The resource is gone' },
  LENGTH_REQUIRED: { status: 411, message: 'A Content-Length is required' },
  PRECONDITION_FAILED: { status: 412, message: 'A precondition of the request failed' },
  URI_TOO_LONG: { status: 414, message: 'The request URL is too long' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested range cannot be served' },
  EXPECTATION_FAILED: { status: 417, message: 'The Expect header cannot be met' },
  UNPROCESSABLE: { status: 422, message: 'The request is well formed but cannot be processed' },
  PRECONDITION_REQUIRED: { status: 428, message: 'The request must be conditional' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  // Any other 4xx: the answer keeps that status (400 is only this entry's nominal one).
  CLIENT_ERROR: { status: 400, message: 'The request cannot be served' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * The generic code of each 4xx status, for errors that carry a status but no code of ours.
 * Every entry names a code of the same status (test/http/errors.test.ts checks it).
 */
export const GENERIC_CLIENT_CODES: Readonly<Partial<Record<number, ErrorCode>>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  410: 'GONE',
  411: 'LENGTH_REQUIRED',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  417: 'EXPECTATION_FAILED',
  422: 'UNPROCESSABLE',
  428: 'PRECONDITION_REQUIRED',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
};

export interface FieldIssue {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: FieldIssue[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    options: { message?: string; details?: FieldIssue[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = options.details;
    this.headers = options.headers;
  }

  static validation(details: FieldIssue[]): AppError {
    return new AppError('VALIDATION_FAILED', { details });
  }

  /** 503 with the one Retry-After every database outage answer carries. */
  static databaseUnavailable(options: { message?: string; cause?: unknown } = {}): AppError {
    return new AppError('DATABASE_UNAVAILABLE', { ...options, headers: { 'retry-after': '5' } });
  }

  /** A 4xx that came with a status but no code of ours: the generic code of that status, keeping the status. */
  static clientError(status: number, cause?: unknown): AppError {
    const code = GENERIC_CLIENT_CODES[status];
    return code ? new AppError(code, { cause }) : new UncataloguedClientError(status, cause);
  }
}

/** CLIENT_ERROR with the status it stands for, so a 418 stays a 418. */
class UncataloguedClientError extends AppError {
  override readonly status: number;

  constructor(status: number, cause: unknown) {
    super('CLIENT_ERROR', { cause });
    this.status = status;
  }
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
