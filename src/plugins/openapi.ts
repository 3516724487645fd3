import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Documents a multipart body that the route parses itself (see routes/book-form.ts). */
    multipartBody?: TSchema;
  }
}

/** The OpenAPI document is generated from the route schemas: served at /openapi.json, Swagger UI at /docs. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Bindery', version: '0.1.0', description: 'A book library with covers, behind trustworthy authentication.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: ({ schema, url, route }) => {
      const multipartBody = route.config?.multipartBody;
      if (!multipartBody || !schema) return { schema, url };
      const existing = (schema.body as { content?: Record<string, unknown> } | undefined)?.content ?? {};
      return {
        schema: { ...schema, body: { content: { ...existing, 'multipart/form-data': { schema: multipartBody } } } },
        url,
      };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Swagger UI loads only its own files (no inline script or style), so 'self' is enough for it. The
    // plugin's default policy lets the page be framed by itself and upgrades every request to https, which
    // would break /docs on a plain-http development host; neither is wanted.
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/\s*upgrade-insecure-requests;?/, '')
        .replace(/\s+;/g, ';')
        .trim(),
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
