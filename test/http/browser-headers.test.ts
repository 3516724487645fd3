import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, signUp } from '../helpers/app.js';
import { createBook, pathOf } from '../helpers/books.js';
import { listenOn, rawExchange } from '../helpers/raw-http.js';

const HSTS = 'max-age=31536000; includeSubDomains';

test('issue 9: every response carries Referrer-Policy: no-referrer (JSON, errors, covers, docs); no HSTS without an https PUBLIC_URL', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  const book = await createBook(app, session);
  const responses = {
    healthz: await app.inject({ method: 'GET', url: '/healthz' }),
    'a 401': await app.inject({ method: 'GET', url: '/users/' }),
    'a 404': await app.inject({ method: 'GET', url: '/nowhere' }),
    'a bad URL': await app.inject({ method: 'GET', url: '/books/%zz' }),
    'a cover image': await app.inject({ method: 'GET', url: pathOf(book.image_url) }),
    '/docs/': await app.inject({ method: 'GET', url: '/docs/' }),
    '/openapi.json': await app.inject({ method: 'GET', url: '/openapi.json' }),
  };
  for (const [label, response] of Object.entries(responses)) {
    assert.equal(response.headers['referrer-policy'], 'no-referrer', label);
    assert.equal(response.headers['strict-transport-security'], undefined, `${label}: no HSTS over a plain-http origin`);
  }
});

test('issue 9: with an https PUBLIC_URL every response carries HSTS, router and parser refusals included', async (t) => {
  const { app } = await buildTestApp(t, { config: { publicUrl: 'https://books.example.com' } });
  for (const url of ['/healthz', '/nowhere', '/books/%zz', '/docs/']) {
    assert.equal((await app.inject({ method: 'GET', url })).headers['strict-transport-security'], HSTS, url);
  }
  const port = await listenOn(app);
  const oversized = await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(20 * 1024)}\r\n\r\n`);
  assert.equal(oversized.status, 431);
  assert.equal(oversized.headers['strict-transport-security'], HSTS);
  assert.equal(oversized.headers['referrer-policy'], 'no-referrer');
});

test("issue 9: /docs carries a CSP with frame-ancestors 'none', and Swagger UI's own scripts, styles and the document still load under it", async (t) => {
  const { app } = await buildTestApp(t);
  const page = await app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(page.statusCode, 200);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;| )/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|upgrade-insecure-requests/, 'no loosening, and plain-http development keeps working');

  // The page runs no inline script or style, so 'self' covers everything it loads.
  const html = page.body;
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'every script has a src');
  assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline style');
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
  assert.ok(assets.length >= 5, assets.join(', '));
  for (const asset of [...assets, './static/swagger-initializer.js', './json']) {
    assert.ok(asset.startsWith('./'), `${asset} is same-origin and relative`);
    const response = await app.inject({ method: 'GET', url: `/docs/${asset.slice(2)}` });
    assert.equal(response.statusCode, 200, asset);
    assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/, asset);
  }
  const bare = await app.inject({ method: 'GET', url: '/docs' });
  assert.match(String(bare.headers['content-security-policy']), /frame-ancestors 'none'/, '/docs without the slash');
});
