import { type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from './db/errors.js';
import { loggerOptions } from './lib/logger.js';
import { coercingAjv, strictAjv } from './lib/validation.js';
import { registerAuthentication } from './plugins/authentication.js';
import { connectionOptions, registerConnectionLimits } from './plugins/connections.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { clientErrorHandler, frameworkErrorHandler } from './plugins/framework-errors.js';
import { registerHostCheck } from './plugins/host-check.js';
import { registerHttpMetrics } from './plugins/metrics.js';
import { registerMethodNotAllowed } from './plugins/method-not-allowed.js';
import { registerMultipart } from './plugins/multipart.js';
import { registerNulByteGuard } from './plugins/nul-bytes.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerRequestContext, requestIdFor, responseHeaders } from './plugins/request-context.js';
import { trustProxyOption } from './plugins/trust-proxy.js';
import { booksRoutes } from './routes/books.js';
import { coversRoutes } from './routes/covers.js';
import { healthRoutes } from './routes/health.js';
import { activityRoutes } from './routes/activity.js';
import { authRoutes } from './routes/auth.js';
import { jwksRoutes } from './routes/jwks.js';
import { sessionsRoutes } from './routes/sessions.js';
import { usersRoutes } from './routes/users.js';
import { ErrorEnvelope, MAX_PATH_PARAM_LENGTH } from './schemas/common.js';
import type { Config } from './config.js';
import { createContainer, type ContainerDeps } from './container.js';

export interface AppDeps extends ContainerDeps {
  /** `false` silences the log; a stream receives the production log lines (tests read them). */
  logger?: false | Writable;
}

const JSON_BODY_LIMIT = 64 * 1024;

/** The one app factory, shared by the server and the tests. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const headersFor = responseHeaders({ https: config.publicUrl?.startsWith('https://') === true });
  const app = Fastify({
    logger: deps.logger === false ? false : loggerOptions(config.logLevel, deps.logger),
    genReqId: requestIdFor,
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: JSON_BODY_LIMIT,
    ...connectionOptions(config.http),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler(headersFor),
    clientErrorHandler: clientErrorHandler(headersFor),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Created after the logger, which reports Redis outages; nothing to close yet if this fails.
  const container = await createContainer(config, { ...deps, log: app.log });
  const { identity, books, isReady } = container;

  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
  app.removeContentTypeParser('text/plain');
  app.addSchema(ErrorEnvelope);
  app.addHook('onClose', () => container.close());

  try {
    // First, so the hook also times the not-found handler. With metrics off there is no hook at all.
    if (deps.metrics) registerHttpMetrics(app, deps.metrics);
    registerConnectionLimits(app, config.http);
    registerMethodNotAllowed(app);
    registerRequestContext(app, headersFor);
    registerHostCheck(app);
    registerNulByteGuard(app);
    // A refused upload is read up to twice the cover limit, so its client gets to read the 413.
    registerErrorHandler(app, { isDatabaseUnavailable, drainLimitBytes: 2 * config.maxCoverBytes });
    registerAuthentication(app, identity);
    await registerMultipart(app, books.coverPolicy.multipart);
    await registerOpenApi(app, { publicUrl: config.publicUrl });

    app.get('/', { schema: { hide: true } }, () => ({ message: 'Bindery: see /docs for the API', data: null }));
    await app.register(healthRoutes, { isReady });
    await app.register(usersRoutes, { identity });
    await app.register(authRoutes, { identity });
    await app.register(sessionsRoutes, { identity });
    await app.register(activityRoutes, { identity });
    await app.register(jwksRoutes, { identity });
    await app.register(booksRoutes, { books, publicUrl: config.publicUrl });
    await app.register(coversRoutes, { books });
    // Before the first request, so what a crash of this host's previous process left is gone; onClose
    // hooks run last-added first, so the sweeps stop before the container closes the database.
    await books.startCoverSweeps();
    app.addHook('onClose', () => books.close());
    await app.ready();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
