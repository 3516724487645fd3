import { AppError } from '../../errors.js';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export interface BookCursor {
  createdAt: string;
  id: string;
}

/** Cursors are opaque to clients: base64url of the last row's sort key. */
export function encodeCursor(cursor: BookCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): BookCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [createdAt, id] = value as unknown[];
      // A NUL is no id of ours, and PostgreSQL fails a query that carries one (issue 9).
      if (typeof createdAt === 'string' && typeof id === 'string' && ISO_TIMESTAMP.test(createdAt) && !id.includes('\u0000')) {
        return { createdAt, id };
      }
    }
  } catch {
    // fall through to the one answer for every bad cursor
  }
  throw new AppError('INVALID_CURSOR');
}
