import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createMetrics, type Metrics } from '../../src/lib/metrics.js';
import { buildMetricsServer } from '../../src/metrics-server.js';
import { buildTestApp, errorOf, json, newUser, TEST_SECRET } from '../helpers/app.js';
import { postBook, type BookData } from '../helpers/books.js';
import { login } from '../helpers/identity.js';
import { svg } from '../helpers/image-fixtures.js';
import { parseExposition, samplesOf, valueOf, type Sample } from '../helpers/metrics.js';
import { runServer, startServer, tempDataDir } from '../helpers/server-process.js';

const EXPOSITION_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const onPostgres = process.env.TEST_DATABASE_URL !== undefined;

/** The app with metrics on, and the metrics listener's app beside it (both closed when the test ends). */
async function appWithMetrics(t: TestContext, deps: Parameters<typeof buildTestApp>[1] = {}) {
  const metrics = createMetrics();
  const built = await buildTestApp(t, { ...deps, deps: { ...deps.deps, metrics } });
  const scraper = await buildMetricsServer(metrics.registry);
  t.after(() => scraper.close());
  return { ...built, metrics, scraper };
}

async function scrape(scraper: FastifyInstance): Promise<{ text: string; samples: Sample[] }> {
  const response = await scraper.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], EXPOSITION_TYPE);
  return { text: response.body, samples: parseExposition(response.body) };
}

test('loadConfig: metrics are off unless METRICS_PORT is set; METRICS_HOST defaults to 127.0.0.1', () => {
  // No .env in /nonexistent; a SECRET_KEY, so that loadConfig does not create DATA_DIR/secret-key there.
  const load = (env: Record<string, string>) => loadConfig({ SECRET_KEY: TEST_SECRET, ...env }, '/nonexistent');
  assert.equal(load({}).metrics, undefined);
  assert.equal(load({ METRICS_PORT: '' }).metrics, undefined, 'an empty METRICS_PORT is unset');
  assert.deepEqual(load({ METRICS_PORT: '9464' }).metrics, { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(load({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metrics, { host: '10.0.0.5', port: 9464 });
  assert.deepEqual(load({ METRICS_PORT: '0', PORT: '0' }).metrics, { host: '127.0.0.1', port: 0 }, 'port 0: any free port, for both');
  assert.ok(Object.isFrozen(load({ METRICS_PORT: '9464' }).metrics));
});

test('loadConfig: a bad METRICS_PORT, METRICS_HOST without a port, or METRICS_PORT equal to PORT throws naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ METRICS_PORT: 'abc' }, /METRICS_PORT/],
    [{ METRICS_PORT: '70000' }, /METRICS_PORT/],
    [{ METRICS_PORT: '-1' }, /METRICS_PORT/],
    [{ METRICS_PORT: '9464.5' }, /METRICS_PORT/],
    [{ METRICS_HOST: '0.0.0.0' }, /METRICS_HOST is set but METRICS_PORT is not/],
    [{ METRICS_PORT: '3000' }, /METRICS_PORT must differ from PORT/],
    [{ METRICS_PORT: '8080', PORT: '8080' }, /METRICS_PORT must differ from PORT/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig(env, '/nonexistent'),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      JSON.stringify(env),
    );
  }
});

test('metrics are off by default: the public app has no /metrics and no metrics hook', async (t) => {
  const { app } = await buildTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 404);
  assert.equal(errorOf(response).code, 'ROUTE_NOT_FOUND');
  assert.doesNotMatch(app.printRoutes({ includeHooks: true, commonPrefix: false }), /recordRequestMetrics/);
});

test('with metrics on, the public app still has no /metrics; only the metrics listener serves it', async (t) => {
  const { app, scraper } = await appWithMetrics(t);
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
  assert.match(app.printRoutes({ includeHooks: true, commonPrefix: false }), /recordRequestMetrics/);
  assert.equal((await scraper.inject({ method: 'GET', url: '/' })).statusCode, 404);
  assert.equal((await scraper.inject({ method: 'GET', url: '/books/' })).statusCode, 404);
  await scrape(scraper);
});

test('a scrape counts logins, refreshes, reuse, covers and requests by route pattern, and leaks no id, email or token', async (t) => {
  const { app, clock, scraper } = await appWithMetrics(t);
  const user = newUser();
  assert.equal((await app.inject({ method: 'POST', url: '/users/', payload: user })).statusCode, 201);
  const wrong = await app.inject({ method: 'POST', url: '/users/login', payload: { email: user.email, password: 'Wr0ng-Password-99' } });
  assert.equal(wrong.statusCode, 401);
  const first = await login(app, user);
  const refreshed = await app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refresh_token: first.refreshToken } });
  assert.equal(refreshed.statusCode, 200);
  clock.advance(11_000); // past the 10 s grace window: presenting the spent token again is a breach
  const reused = await app.inject({ method: 'POST', url: '/users/token/refresh', payload: { refresh_token: first.refreshToken } });
  assert.equal(reused.statusCode, 401);

  const second = await login(app, user);
  const created = await postBook(app, second);
  assert.equal(created.statusCode, 201);
  const book = json<{ data: BookData }>(created).data;
  const refused = await postBook(app, second, { cover_image: { filename: 'cover.jpg', contentType: 'image/jpeg', content: svg() } });
  assert.equal(refused.statusCode, 415);
  assert.equal((await app.inject({ method: 'GET', url: `/books/${book._id}`, headers: second.auth })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: `/books/${book._id}/`, headers: second.auth })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/no/such/place-ada@example.com' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'PATCH', url: '/users/login' })).statusCode, 405);
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);

  const { text, samples } = await scrape(scraper);
  assert.equal(valueOf(samples, 'bindery_logins_total', { result: 'success' }), 2);
  assert.equal(valueOf(samples, 'bindery_logins_total', { result: 'failure' }), 1);
  assert.equal(valueOf(samples, 'bindery_token_refreshes_total'), 1);
  assert.equal(valueOf(samples, 'bindery_refresh_reuse_detected_total'), 1);
  assert.equal(valueOf(samples, 'bindery_covers_processed_total', { result: 'accepted' }), 1);
  assert.equal(valueOf(samples, 'bindery_covers_processed_total', { result: 'rejected' }), 1);
  assert.equal(valueOf(samples, 'bindery_covers_processed_total', { result: 'error' }), 0);
  assert.equal(valueOf(samples, 'bindery_cover_processing_duration_seconds_count', { result: 'accepted' }), 1);

  const requests = (method: string, route: string, status: string) =>
    valueOf(samples, 'bindery_http_requests_total', { method, route, status });
  assert.equal(requests('POST', '/users/', '201'), 1);
  assert.equal(requests('POST', '/users/login', '401'), 1);
  assert.equal(requests('POST', '/users/login', '200'), 2);
  assert.equal(requests('POST', '/users/token/refresh', '200'), 1);
  assert.equal(requests('POST', '/users/token/refresh', '401'), 1);
  assert.equal(requests('POST', '/books/', '201'), 1);
  assert.equal(requests('POST', '/books/', '415'), 1);
  assert.equal(requests('GET', '/books/:id', '200'), 2, 'both spellings of the path are one route');
  assert.equal(requests('GET', 'unmatched', '404'), 1);
  assert.equal(requests('PATCH', 'unmatched', '405'), 1);
  assert.equal(requests('GET', '/healthz', '200'), 1, 'health probes are counted like any route');

  // The histogram: cumulative buckets ending in +Inf, which equals _count.
  const bookLabels = { method: 'GET', route: '/books/:id', status: '200' };
  const buckets = samplesOf(samples, 'bindery_http_request_duration_seconds_bucket', bookLabels);
  assert.ok(buckets.length >= 10, 'a useful number of buckets');
  assert.deepEqual(
    buckets.map((bucket) => bucket.value),
    [...buckets.map((bucket) => bucket.value)].sort((a, b) => a - b),
  );
  assert.equal(buckets.at(-1)?.labels.le, '+Inf');
  assert.equal(buckets.at(-1)?.value, 2);
  assert.equal(valueOf(samples, 'bindery_http_request_duration_seconds_count', bookLabels), 2);
  assert.ok(valueOf(samples, 'bindery_http_request_duration_seconds_sum', bookLabels) > 0);

  const routes = new Set(samplesOf(samples, 'bindery_http_requests_total').map((sample) => sample.labels.route));
  assert.ok(
    [...routes].every((route) => route === 'unmatched' || route?.startsWith('/')),
    [...routes].join(),
  );
  const secrets = [
    book._id,
    book.user_id,
    user.email,
    user.password,
    first.token,
    first.refreshToken,
    second.token,
    'no/such',
    '@example.com',
  ];
  for (const secret of secrets) assert.ok(!text.includes(secret), `the scrape holds ${secret}`);
});

test('a cover that fails on our side counts as an error, not as a rejected upload', async (t) => {
  const failing = { process: () => Promise.reject(new Error('libvips fell over')) };
  const { app, scraper } = await appWithMetrics(t, { deps: { images: failing } });
  const user = newUser();
  assert.equal((await app.inject({ method: 'POST', url: '/users/', payload: user })).statusCode, 201);
  assert.equal((await postBook(app, await login(app, user))).statusCode, 500);
  const { samples } = await scrape(scraper);
  assert.equal(valueOf(samples, 'bindery_covers_processed_total', { result: 'error' }), 1);
  assert.equal(valueOf(samples, 'bindery_covers_processed_total', { result: 'rejected' }), 0);
  assert.equal(valueOf(samples, 'bindery_http_requests_total', { method: 'POST', route: '/books/', status: '500' }), 1);
});

test('a scrape reports the database pool (PostgreSQL only), event-loop lag and process figures', async (t) => {
  const { app, scraper } = await appWithMetrics(t);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  const { samples } = await scrape(scraper);
  if (onPostgres) {
    const idle = valueOf(samples, 'bindery_db_pool_connections', { state: 'idle' });
    const inUse = valueOf(samples, 'bindery_db_pool_connections', { state: 'in_use' });
    assert.ok(idle >= 1, 'the connection /readyz used went back to the pool');
    assert.equal(inUse, 0, 'nothing holds a connection between requests');
    assert.equal(valueOf(samples, 'bindery_db_pool_waiting_queries'), 0);
    assert.equal(valueOf(samples, 'bindery_db_pool_max_connections'), 10);
  } else {
    assert.deepEqual(samplesOf(samples, 'bindery_db_pool_connections'), [], 'SQLite has no pool to report');
  }
  const p99 = valueOf(samples, 'nodejs_eventloop_lag_p99_seconds');
  assert.ok(Number.isFinite(p99) && p99 >= 0 && p99 < 10, `event-loop lag p99 ${p99}`);
  assert.ok(valueOf(samples, 'process_resident_memory_bytes') > 0);
});

test('two apps in one process keep separate registries', async (t) => {
  const one = await appWithMetrics(t);
  const two = await appWithMetrics(t);
  await one.app.inject({ method: 'GET', url: '/healthz' });
  const count = (metrics: Metrics) => metrics.registry.getSingleMetric('bindery_http_requests_total');
  assert.notEqual(count(one.metrics), count(two.metrics));
  assert.equal(samplesOf((await scrape(one.scraper)).samples, 'bindery_http_requests_total', { route: '/healthz' }).length, 1);
  assert.deepEqual(samplesOf((await scrape(two.scraper)).samples, 'bindery_http_requests_total'), []);
});

function get(port: number, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('server process without METRICS_PORT opens no metrics listener', { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { DATA_DIR: tempDataDir(t) });
  assert.equal((await get(server.port, '/metrics')).status, 404);
  server.child.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
  assert.ok(!server.lines.some((line) => /Metrics listening/.test(line)), 'no metrics listener was started');
});

test('server process with METRICS_PORT=0 serves /metrics on its own port and closes it on SIGTERM', { timeout: 60_000 }, async (t) => {
  const server = await startServer(t, { DATA_DIR: tempDataDir(t), METRICS_PORT: '0' });
  await server.waitForLog(/Metrics listening at/);
  const line = server.lines.find((entry) => entry.includes('Metrics listening at')) ?? '';
  const metricsPort = Number(/listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
  assert.ok(metricsPort > 0 && metricsPort !== server.port, line);

  assert.equal((await get(server.port, '/healthz')).status, 200);
  assert.equal((await get(server.port, '/metrics')).status, 404, 'never on the public port');
  const scraped = await get(metricsPort, '/metrics');
  assert.equal(scraped.status, 200);
  assert.equal(scraped.type, EXPOSITION_TYPE);
  const samples = parseExposition(scraped.body);
  assert.equal(valueOf(samples, 'bindery_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }), 1);
  assert.equal(valueOf(samples, 'bindery_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1);
  assert.equal((await get(metricsPort, '/healthz')).status, 404, 'the metrics port serves nothing else');

  server.child.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
});

test('a METRICS_PORT already in use stops the start with a line naming METRICS_PORT', { timeout: 60_000 }, async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const exit = await runServer(t, { DATA_DIR: tempDataDir(t), METRICS_PORT: String(port) }).exited;
  assert.equal(exit.code, 1);
  assert.match(exit.stderr, new RegExp(`port ${port} .*already in use \\(set METRICS_PORT\\)`));
});
