import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { DOCUMENT_FILE, defaultDocument } from '../../scripts/openapi.js';
import { buildTestApp, newUser } from '../helpers/app.js';
import { bearer } from '../helpers/identity.js';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { default?: unknown };
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, { description?: string }> } }> };
  responses: Record<string, { description: string; headers?: Record<string, unknown> }>;
}
interface Document {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const operationsOf = (document: Document) => Object.values(document.paths).flatMap((methods) => Object.values(methods));
const byId = (document: Document, id: string) => operationsOf(document).find((operation) => operation.operationId === id);
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

test('docs/openapi.json is the document the app serves by default (refresh it with `npm run openapi`)', async () => {
  const committed: unknown = JSON.parse(await readFile(DOCUMENT_FILE, 'utf8'));
  assert.deepStrictEqual(await defaultDocument(), committed, 'docs/openapi.json is stale: run `npm run openapi` and commit the result');
});

// Regression: `limit` defaults to 50 but was documented as required on GET /books/ and GET /users/activity.
test('no parameter with a default is documented as required, and the default still applies', async (t) => {
  const { app } = await buildTestApp(t);
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
  for (const operation of operationsOf(document)) {
    for (const parameter of operation.parameters ?? []) {
      if (parameter.schema?.default !== undefined) assert.notEqual(parameter.required, true, `${operation.operationId} ${parameter.name}`);
    }
  }
  const limit = (id: string) => byId(document, id)?.parameters?.find((parameter) => parameter.name === 'limit');
  assert.deepEqual([limit('listBooks')?.required, limit('listActivity')?.required], [false, false]);

  // 51 logins after the registration: 52 events, of which a request without `limit` gets 50.
  const user = newUser();
  await app.inject({ method: 'POST', url: '/users/', payload: user });
  let token = '';
  for (let login = 0; login < 51; login += 1) {
    const response = await app.inject({ method: 'POST', url: '/users/login', payload: { email: user.email, password: user.password } });
    token = response.json<{ data: { token: string } }>().data.token;
  }
  const activity = await app.inject({ method: 'GET', url: '/users/activity', headers: bearer(token) });
  assert.equal(activity.statusCode, 200, activity.body);
  assert.equal(activity.json<{ data: unknown[] }>().data.length, 50);
});

test('the document states the statuses every route of a shape can give, and their headers', async (t) => {
  const { app } = await buildTestApp(t);
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const { operationId, responses } = operation;
      const statuses = Object.keys(responses);
      const expect = (status: string, why: string) => assert.ok(statuses.includes(status), `${operationId}: ${status} (${why})`);
      for (const [status, response] of Object.entries(responses)) {
        assert.deepEqual(response.headers?.['X-Request-Id'], header('X-Request-Id'), `${operationId} ${status}: X-Request-Id`);
        if (status === '429' || status === '503')
          assert.deepEqual(response.headers?.['Retry-After'], header('Retry-After'), `${operationId} ${status}`);
      }
      if (['post', 'put', 'delete'].includes(method)) for (const status of ['400', '413', '415']) expect(status, 'a body is read');
      if (path.includes('{')) expect('414', 'a path parameter');
      if (responses['401'] && operationId !== 'login' && operationId !== 'refreshToken') {
        assert.deepEqual(responses['401'].headers?.['WWW-Authenticate'], header('WWW-Authenticate'), operationId);
      }
      if (!['liveness', 'listCategories'].includes(operationId))
        assert.match(responses['503']?.description ?? '', /DATABASE_UNAVAILABLE/, operationId);
    }
  }
  for (const id of ['registerUser', 'login', 'changePassword', 'createBook', 'updateBook']) {
    assert.match(byId(document, id)?.responses['503']?.description ?? '', /SERVER_BUSY/, id);
  }
  for (const id of ['registerUser', 'login', 'changePassword', 'refreshToken']) assert.ok(byId(document, id)?.responses['429'], id);
  const cover = byId(document, 'getCoverImage')?.responses['200']?.headers?.['Cache-Control'] as {
    required?: boolean;
    schema?: { enum?: string[] };
  };
  assert.deepEqual([cover.required, cover.schema?.enum], [true, ['public, max-age=31536000, immutable']]);
});

test('the register and change-password bodies state the password rule; servers come from PUBLIC_URL, else /', async (t) => {
  const { app } = await buildTestApp(t);
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
  assert.deepEqual(document.servers, [{ url: '/' }]);
  const propertiesOf = (id: string) => byId(document, id)?.requestBody?.content['application/json']?.schema.properties;
  for (const password of [propertiesOf('registerUser')?.password, propertiesOf('changePassword')?.new_password]) {
    assert.match(
      password?.description ?? '',
      /^8 to 128 characters, with an upper-case letter, a lower-case letter, a digit and a special character/,
    );
  }
  assert.equal(propertiesOf('login')?.password?.description, undefined, 'logging in applies no rule to the password');
  assert.match(propertiesOf('registerUser')?.name?.description ?? '', /^2 to 30 words/);

  const { app: behindProxy } = await buildTestApp(t, { config: { publicUrl: 'https://books.example.org' } });
  const served = (await behindProxy.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
  assert.deepEqual(served.servers, [{ url: 'https://books.example.org' }]);
});

test('the statuses by route of docs/api.md are those of docs/openapi.json', async () => {
  const document = JSON.parse(await readFile(DOCUMENT_FILE, 'utf8')) as Document;
  const reference = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const section = reference.slice(reference.indexOf('## Statuses by route'));
  const table = new Map(
    [...section.matchAll(/^\| `(\w+ \S+)` \| ([^|]+) \|$/gm)].map(([, route, statuses]) => [route, statuses?.match(/\d{3}/g)]),
  );
  const documented = new Map(
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => [
        `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        Object.keys(operation.responses),
      ]),
    ),
  );
  assert.deepEqual(Object.fromEntries(table), Object.fromEntries(documented));
});
