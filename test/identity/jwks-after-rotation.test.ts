import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretBox } from '../../src/lib/secret-box.js';
import { createKeyring } from '../../src/modules/identity/keyring.js';
import { createSigningKeysRepository } from '../../src/modules/identity/signing-keys-repository.js';
import { TEST_SECRET, buildTestApp } from '../helpers/app.js';

const kidsOf = async (app: Awaited<ReturnType<typeof buildTestApp>>['app']) =>
  (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid);

test('a key rotated elsewhere (bindery keys:rotate, another instance) is in the running server’s JWKS at once', async (t) => {
  const { app, database, clock } = await buildTestApp(t);
  const [before] = await kidsOf(app);
  assert.ok(before);

  // What `bindery keys:rotate` does, from a process of its own on the same database.
  const elsewhere = createKeyring({
    repository: createSigningKeysRepository(database.db),
    secretBox: createSecretBox(TEST_SECRET, 'signing-keys'),
    clock,
  });
  await elsewhere.init();
  const rotated = await elsewhere.rotate(15 * 60_000);

  assert.deepEqual((await kidsOf(app)).sort(), [before, rotated].sort(), 'the new key is published with the old one');
});
