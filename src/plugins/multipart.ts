import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { MultipartLimits } from '../modules/library/index.js';

/** Bounds on every multipart body, as the library's policy sets them (one cover, a few short text fields). */
export async function registerMultipart(app: FastifyInstance, limits: MultipartLimits): Promise<void> {
  await app.register(multipart, { limits: { ...limits } });
}
