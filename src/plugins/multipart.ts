import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';

/** Bounds on every multipart body: one cover of at most `maxCoverBytes`, a few short text fields. */
export async function registerMultipart(app: FastifyInstance, maxCoverBytes: number): Promise<void> {
  await app.register(multipart, {
    limits: {
      fileSize: maxCoverBytes,
      files: 2,
      fields: 10,
      fieldSize: 32 * 1024,
      fieldNameSize: 100,
      parts: 12,
      headerPairs: 100,
    },
  });
}
