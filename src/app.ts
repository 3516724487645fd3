import { type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { createDatabase, sqliteFileIn, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createImageProcessor, type ImageProcessor } from './lib/images.js';
import { preloadPasswordList } from './lib/password-policy.js';
import { createArgon2Hasher, type PasswordHasher } from './lib/passwords.js';
import { createSecretBox } from './lib/secret-box.js';
import { coercingAjv, strictAjv } from './lib/validation.js';
import { registerAuthentication } from './plugins/authentication.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { registerMethodNotAllowed } from './plugins/method-not-allowed.js';
import { registerMultipart } from './plugins/multipart.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerRequestContext, requestIdFor } from './plugins/request-context.js';
import { booksRoutes } from './routes/books.js';
import { coversRoutes } from './routes/covers.js';
import { healthRoutes } from './routes/health.js';
import { jwksRoutes } from './routes/jwks.js';
import { sessionsRoutes } from './routes/sessions.js';
import { usersRoutes } from './routes/users.js';
import { ErrorEnvelope } from './schemas/common.js';
import { createAuditLog } from './services/audit/audit-log.js';
import { createAccessTokens } from './services/auth/access-tokens.js';
import { createAuthService } from './services/auth/auth-service.js';
import { createKeyring } from './services/auth/keyring.js';
import { createSigningKeysRepository } from './services/auth/signing-keys-repository.js';
import { createBooksRepository } from './services/books/books-repository.js';
import { createBooksService } from './services/books/books-service.js';
import { createDatabaseCoverStore } from './services/books/cover-store.js';
import { createSessionsRepository } from './services/sessions/sessions-repository.js';
import { createSessionsService } from './services/sessions/sessions-service.js';
import { createThrottle } from './services/throttle/throttle.js';
import { createUsersRepository } from './services/users/users-repository.js';
import { createUsersService } from './services/users/users-service.js';

export type AppConfig = Config & { secretKey: string };

/** Everything nondeterministic or external, so tests can substitute it. */
export interface AppDeps {
  database?: Database;
  clock?: Clock;
  passwords?: PasswordHasher;
  images?: ImageProcessor;
  logger?: FastifyServerOptions['logger'];
}

const JSON_BODY_LIMIT = 64 * 1024;

/** The one app factory, shared by the server and the tests. */
export async function buildApp(config: AppConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  const database =
    deps.database ?? createDatabase({ databaseUrl: config.databaseUrl, sqliteFile: sqliteFileIn(config.dataDir) });
  const ownsDatabase = deps.database === undefined;
  const clock = deps.clock ?? systemClock;

  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    genReqId: requestIdFor,
    trustProxy: config.trustProxy,
    bodyLimit: JSON_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
  app.removeContentTypeParser('text/plain');
  app.addSchema(ErrorEnvelope);
  if (ownsDatabase) app.addHook('onClose', () => database.destroy());

  try {
    await migrateToLatest(database);
    preloadPasswordList();
    const keyring = createKeyring({
      repository: createSigningKeysRepository(database.db),
      secretBox: createSecretBox(config.secretKey, 'signing-keys'),
      clock,
    });
    await keyring.init();

    const accessTokens = createAccessTokens({
      keyring,
      clock,
      options: { issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: config.accessTokenTtlSeconds },
    });
    const db = database.db;
    const usersRepository = createUsersRepository(db);
    const passwords = deps.passwords ?? createArgon2Hasher();
    const throttle = createThrottle(clock, config.throttle);
    const audit = createAuditLog(db, clock);
    const sessions = createSessionsService({
      db,
      sessions: createSessionsRepository(db),
      accessTokens,
      audit,
      throttle,
      clock,
      settings: config.sessions,
    });
    const auth = createAuthService({ db, users: usersRepository, passwords, accessTokens, sessions, throttle, audit, clock });
    const users = createUsersService({ db, users: usersRepository, passwords, sessions, throttle, audit, clock });
    const books = createBooksService({
      db: database.db,
      books: createBooksRepository(database.db),
      covers: createDatabaseCoverStore(database.db),
      images: deps.images ?? createImageProcessor({ maxPixels: config.maxCoverPixels }),
      clock,
    });

    registerMethodNotAllowed(app);
    registerRequestContext(app);
    registerErrorHandler(app);
    registerAuthentication(app, auth);
    await registerMultipart(app, config.maxCoverBytes);
    await registerOpenApi(app);

    app.get('/', { schema: { hide: true } }, () => ({ message: 'Bindery: see /docs for the API', data: null }));
    await app.register(healthRoutes, { database });
    await app.register(usersRoutes, { users, auth });
    await app.register(sessionsRoutes, { auth, sessions, audit });
    await app.register(jwksRoutes, { keyring });
    await app.register(booksRoutes, { books, publicUrl: config.publicUrl, maxCoverBytes: config.maxCoverBytes });
    await app.register(coversRoutes, { books });
    await app.ready();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
