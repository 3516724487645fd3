import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { documentedSchema, finishDocument, type OpenApiDocument } from './openapi-responses.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Documents a multipart body that the route parses itself (see routes/book-form.ts). */
    multipartBody?: TSchema;
    /** `false` for a route that never reaches the database, so it cannot answer 503 DATABASE_UNAVAILABLE. */
    usesDatabase?: boolean;
  }
}

export interface OpenApiOptions {
  /** PUBLIC_URL: the document's server; unset, a relative `/` (the origin the document was fetched from). */
  publicUrl: string | undefined;
}

type Schema = Record<string, unknown>;

/** The multipart body that the route's config documents, beside any JSON body its schema validates. */
function withMultipartBody(schema: Schema, multipartBody: TSchema | undefined): Schema {
  if (!multipartBody) return schema;
  const existing = (schema.body as { content?: Record<string, unknown> } | undefined)?.content ?? {};
  return { ...schema, body: { content: { ...existing, 'multipart/form-data': { schema: multipartBody } } } };
}

/** The OpenAPI document is generated from the route schemas: served at /openapi.json, Swagger UI at /docs. */
export async function registerOpenApi(app: FastifyInstance, { publicUrl }: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Bindery', version: '0.1.0', description: 'A book library with covers, behind trustworthy authentication.' },
      servers: [{ url: publicUrl ?? '/' }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    // Shared schemas are named by their $id (#/components/schemas/ErrorEnvelope), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      if (!schema || schema.hide) return { schema, url };
      const shaped = withMultipartBody(schema as Schema, route.config?.multipartBody);
      return { schema: documentedSchema({ method: route.method, schema: shaped, config: route.config }), url };
    },
    transformObject: (documentObject) => finishDocument((documentObject as { openapiObject: OpenApiDocument }).openapiObject) as never,
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
