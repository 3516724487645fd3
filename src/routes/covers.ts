import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MAX_PATH_PARAM_LENGTH, errorResponses } from '../schemas/common.js';
import type { Library } from '../modules/library/index.js';
import { COVERS_PATH } from './presenters.js';

/** Cover URLs change whenever a cover does, so what they serve never changes: cache it forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export const coversRoutes: FastifyPluginAsyncTypebox<{ books: Library }> = async (app, { books }) => {
  app.get(
    `${COVERS_PATH}/:file`,
    {
      schema: {
        tags: ['books'],
        operationId: 'getCoverImage',
        summary: 'A cover rendition (public, by its unguessable URL)',
        params: Type.Object({ file: Type.String({ maxLength: MAX_PATH_PARAM_LENGTH }) }, { additionalProperties: false }),
        response: {
          200: Type.Unsafe({
            description: 'The image',
            headers: {
              'Cache-Control': { type: 'string', enum: [IMMUTABLE], description: 'The URL changes with the cover: cache forever' },
            },
            content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
          }),
          ...errorResponses('IMAGE_NOT_FOUND'),
        },
      },
    },
    async (request, reply) => {
      const image = await books.openCover(request.params.file);
      return reply
        .headers({ 'cache-control': IMMUTABLE, 'content-security-policy': "default-src 'none'", 'content-length': image.contentLength })
        .type(image.contentType)
        .send(image.stream);
    },
  );
};
