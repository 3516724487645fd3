/** Hand-built multipart bodies, for the cases multipart() cannot produce: broken, hostile or streamed. */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Response, Session } from './app.js';

export const BOUNDARY = 'bindery-edge-case-boundary-42';
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
export const CLOSING = Buffer.from(`--${BOUNDARY}--\r\n`);

export function textPart(name: string, value: string): Buffer {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
}

export function filePart(name: string, content: Buffer, filename = 'cover.jpg', type = 'image/jpeg'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    content,
    Buffer.from('\r\n'),
  ]);
}

/** POST /books/ with a body and content type exactly as given. */
export function rawPost(app: FastifyInstance, session: Session, contentType: string, payload: Buffer | Readable): Promise<Response> {
  return app.inject({ method: 'POST', url: '/books/', headers: { ...session.auth, 'content-type': contentType }, payload });
}

/** A body as a stream in small chunks and without Content-Length, so only its actual size can count. */
export function streamed(payload: Buffer, chunkSize = 16 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < payload.length; at += chunkSize) chunks.push(payload.subarray(at, at + chunkSize));
  return Readable.from(chunks);
}
