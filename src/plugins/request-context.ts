import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honour a caller's X-Request-Id when it is sane, so one id follows a request across services. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The headers of one answer, given its request id. */
export type HeadersFor = (requestId: string) => Record<string, string>;

/**
 * The headers every answer carries, including the answers to requests the router or the HTTP parser
 * refused (plugins/framework-errors.ts), so there is one list. HSTS only when the public origin is
 * https: sent over plain http it would be ignored, and it must never pin a development host to https.
 */
export function responseHeaders(options: { https: boolean }): HeadersFor {
  const fixed: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    // API answers are per user; routes that serve public, immutable content override this.
    'cache-control': 'no-store',
    // No page of ours needs to tell another site where a visitor came from, and URLs may hold ids.
    'referrer-policy': 'no-referrer',
    ...(options.https ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
  return (requestId) => ({ 'x-request-id': requestId, ...fixed });
}

export function registerRequestContext(app: FastifyInstance, headersFor: HeadersFor): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headersFor(request.id));
    done();
  });
}
