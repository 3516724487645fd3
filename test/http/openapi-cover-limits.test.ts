import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { buildTestApp, json } from '../helpers/app.js';

type Operation = { requestBody?: { content: Record<string, { schema: { properties: Record<string, { description?: string }> } }> } };

async function coverDescriptions(config: { maxCoverBytes?: number; maxCoverPixels?: number }, t: Parameters<typeof buildTestApp>[0]) {
  const { app } = await buildTestApp(t, { config });
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  const paths = json<{ paths: Record<string, Record<string, Operation>> }>(response).paths;
  const describe = (operation: Operation | undefined) =>
    operation?.requestBody?.content['multipart/form-data']?.schema.properties.cover_image?.description ?? '';
  return [describe(paths['/books/']?.post), describe(paths['/books/{id}']?.put)];
}

// Regression: "at most 10 MiB" was written into the schema, so the document lied under MAX_COVER_BYTES.
test('the OpenAPI document states the configured cover limits, on POST and PUT', async (t) => {
  const configured = loadConfig({ NODE_ENV: 'test', MAX_COVER_BYTES: String(64 * 1024), MAX_COVER_PIXELS: '1000000' }, '/nonexistent');
  for (const description of await coverDescriptions(
    { maxCoverBytes: configured.maxCoverBytes, maxCoverPixels: configured.maxCoverPixels },
    t,
  )) {
    assert.match(description, /at most 64 KiB and 1 megapixel\b/, description);
    assert.doesNotMatch(description, /10 MiB/, description);
  }
  for (const description of await coverDescriptions({ maxCoverBytes: 1_500_000 }, t)) {
    assert.match(description, /at most 1,500,000 bytes and 40 megapixels/, description);
  }
  for (const description of await coverDescriptions({}, t)) {
    assert.equal(description, 'JPEG, PNG, WebP or GIF, at most 10 MiB and 40 megapixels');
  }
});
