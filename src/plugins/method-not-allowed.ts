import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { AppError } from '../errors.js';

/**
 * Fastify answers 404 for a known path with the wrong method. A shadow router of every
 * registered route tells the two apart, so a wrong method gets 405 with an Allow header.
 * Register before any route.
 */
export function registerMethodNotAllowed(app: FastifyInstance): void {
  const shadow = FindMyWay({ ignoreTrailingSlash: true });
  const methods = new Set<HTTPMethod>();

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat().map((name) => name.toUpperCase() as HTTPMethod)) {
      methods.add(method);
      shadow.on(method, route.url, () => undefined);
    }
  });

  app.setNotFoundHandler((request) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = [...methods].filter((method) => shadow.find(method, path) !== null);
    if (allowed.length === 0) throw new AppError('ROUTE_NOT_FOUND');
    throw new AppError('METHOD_NOT_ALLOWED', { headers: { allow: allowed.join(', ') } });
  });
}
