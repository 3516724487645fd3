import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, errorOf, signUp, testConfig } from '../helpers/app.js';
import { createBook } from '../helpers/books.js';

const INVALID_HOSTS = [
  'evil.example:1/"><x',
  'evil.example/path',
  'a b',
  'host:99999',
  'host:',
  'host:80:80',
  'a..b',
  '[::1',
  '[nope]:80',
  'user@evil.example',
  'evil.example#x',
  '-bad.example',
];

test('issue 9: a Host that is not a valid host[:port] is refused with 400 on every route, before it can reach an image URL', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  await createBook(app, session);
  for (const host of INVALID_HOSTS) {
    for (const [url, headers] of [
      ['/books/', session.auth],
      ['/healthz', {}],
    ] as const) {
      const response = await app.inject({ method: 'GET', url, headers: { ...headers, host } });
      assert.equal(response.statusCode, 400, `${host} on ${url}: ${response.statusCode} ${response.body}`);
      const error = errorOf(response);
      assert.equal(error.code, 'BAD_REQUEST');
      assert.equal(error.request_id, response.headers['x-request-id']);
      assert.doesNotMatch(response.body, /evil|<x/, 'the refusal does not echo the header');
    }
  }
});

test('a valid Host (name, IPv4, [IPv6], with or without a port) builds the image URLs when PUBLIC_URL is unset', async (t) => {
  const { app } = await buildTestApp(t);
  const session = await signUp(app);
  await createBook(app, session);
  for (const host of [
    'books.example.org',
    'localhost:3000',
    '127.0.0.1:8080',
    '[::1]:3000',
    '[2001:db8::1]',
    'bindery_api:3000',
    'books.example.org.',
  ]) {
    const response = await app.inject({ method: 'GET', url: '/books/', headers: { ...session.auth, host } });
    assert.equal(response.statusCode, 200, `${host}: ${response.body}`);
    const [book] = response.json<{ data: { image_url: string }[] }>().data;
    assert.ok(book?.image_url.startsWith(`http://${host}/static/books/`), `${host}: ${book?.image_url}`);
  }
});

test('with PUBLIC_URL set, image URLs never come from the Host header', async (t) => {
  const { app } = await buildTestApp(t, { config: { publicUrl: 'https://books.example.com' } });
  const session = await signUp(app);
  const book = await createBook(app, session);
  assert.ok(book.image_url.startsWith('https://books.example.com/static/books/'), book.image_url);
  const listed = await app.inject({ method: 'GET', url: '/books/', headers: { ...session.auth, host: 'other.example:8080' } });
  assert.ok(listed.json<{ data: { image_url: string }[] }>().data[0]?.image_url.startsWith('https://books.example.com/'));
});

test('behind a trusted proxy, an invalid X-Forwarded-Host or a forwarded protocol other than http(s) is refused too', async (t) => {
  const { app } = await buildTestApp(t, { config: { trustProxy: testConfig({}, { TRUST_PROXY: 'true' }).trustProxy } });
  const forwarded = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.2', headers });
  assert.equal((await forwarded({ 'x-forwarded-host': 'evil.example:1/"><x' })).statusCode, 400);
  assert.equal((await forwarded({ 'x-forwarded-proto': 'javascript' })).statusCode, 400);
  assert.equal((await forwarded({ 'x-forwarded-host': 'books.example.org', 'x-forwarded-proto': 'https' })).statusCode, 200);
});
