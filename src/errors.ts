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
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

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
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
