import type { FastifyRequest } from 'fastify';
import { AppError, type FieldIssue } from '../errors.js';

export const COVER_FIELD = 'cover_image';

export interface BookForm {
  fields: Record<string, string>;
  cover: Buffer | undefined;
}

/**
 * Refuses an upload whose declared length is already over the limit (the library policy's cover
 * limit plus its envelope allowance), before reading any of it, and closes the connection so the
 * client cannot keep streaming.
 */
export function uploadSizeGuard(maxRequestBytes: number) {
  return async (request: FastifyRequest): Promise<void> => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxRequestBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', { headers: { connection: 'close' } });
    }
  };
}

/**
 * Reads a book form: text fields, and at most one file, `cover_image`. The file is bounded by the
 * multipart limits of the library policy, which the multipart plugin applies (an oversized one
 * throws 413 as soon as the limit is crossed). Every part is
 * consumed before any refusal, so the request ends cleanly.
 */
export async function readBookForm(request: FastifyRequest): Promise<BookForm> {
  if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  // No prototype, so a field named __proto__ is just a field.
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const issues: FieldIssue[] = [];
  let cover: Buffer | undefined;

  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.fieldname !== COVER_FIELD) issues.push({ field: part.fieldname, message: 'is not an allowed file field' });
        else if (cover !== undefined) issues.push({ field: COVER_FIELD, message: 'must be given once' });
        // Clients that send an empty file input mean "no file".
        else if (bytes.length > 0) cover = bytes;
        continue;
      }
      if (Object.hasOwn(fields, part.fieldname)) issues.push({ field: part.fieldname, message: 'must be given once' });
      else if (part.fieldname === COVER_FIELD) issues.push({ field: COVER_FIELD, message: 'must be a file' });
      else if (part.valueTruncated || part.fieldnameTruncated) issues.push({ field: part.fieldname, message: 'is too long' });
      else fields[part.fieldname] = String(part.value);
    }
  } catch (error) {
    // Limits (FST_* codes) keep their own answer; anything else the parser throws is a malformed body.
    if (error instanceof AppError || (error as { code?: string }).code?.startsWith('FST_')) throw error;
    throw new AppError('MALFORMED_MULTIPART', { cause: error });
  }
  if (issues.length > 0) throw AppError.validation(issues);
  return { fields, cover };
}
