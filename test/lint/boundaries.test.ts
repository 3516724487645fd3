// Proves that every layer wall of eslint/boundaries.js fires on a crossing and
// stays quiet on an allowed import. The code is linted as if it sat at a path in
// test/lint/fixtures/, a miniature of src/ whose files give the resolver real
// targets; no type information is involved, so the fixtures need no tsconfig.
// The walls skip an import that does not resolve, so an "allowed" case is only
// proof if it resolved: import-x/no-unresolved makes a miss fail the test.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { boundaries, KNOWN_CROSSINGS } from '../../eslint/boundaries.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE_ROOT = path.join(import.meta.dirname, 'fixtures');
const RULE = 'import-x/no-restricted-paths';

const walls = new ESLint({
  cwd: FIXTURE_ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
    ...boundaries(FIXTURE_ROOT, { knownCrossings: [] }),
    { files: ['src/**/*.ts'], rules: { 'import-x/no-unresolved': 'error' } },
  ],
});

async function wallMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await walls.lintText(code, { filePath });
  assert.ok(result);
  for (const message of result.messages) assert.equal(message.ruleId, RULE, `unexpected problem in ${filePath}: ${message.message}`);
  return result.messages.map((message) => message.message);
}

/** `filePath` importing `specifier` is refused with a message that says `hint`. */
async function assertRefused(filePath: string, specifier: string, hint: string): Promise<void> {
  const messages = await wallMessages(filePath, `import { x } from '${specifier}';\nexport { x };\n`);
  assert.equal(messages.length, 1, `${filePath} -> ${specifier} should cross a wall`);
  assert.match(messages[0] ?? '', new RegExp(hint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
}

async function assertAllowed(filePath: string, specifier: string): Promise<void> {
  assert.deepEqual(await wallMessages(filePath, `import { x } from '${specifier}';\nexport { x };\n`), [], `${filePath} -> ${specifier}`);
}

describe('routes and plugins', () => {
  test('never import src/db, at any depth', async () => {
    const hint = 'never touch src/db';
    await assertRefused('src/routes/__fixture__.ts', '../db/database.js', hint);
    await assertRefused('src/plugins/__fixture__.ts', '../db/database.js', hint);
    await assertRefused('src/routes/admin/deeper/__fixture__.ts', '../../../db/database.js', hint);
  });

  test('reach a module only through its index.ts face', async () => {
    const hint = 'reach a module through its index.ts face';
    await assertRefused('src/routes/__fixture__.ts', '../modules/library/books-repository.js', hint);
    await assertRefused('src/plugins/__fixture__.ts', '../modules/identity/policy.js', hint);
    await assertRefused('src/routes/__fixture__.ts', '../modules/identity/sessions/sessions-repository.js', hint);
    await assertAllowed('src/routes/__fixture__.ts', '../modules/library/index.js');
    await assertAllowed('src/plugins/__fixture__.ts', '../modules/identity/index.js');
  });

  test('never import a repository of the old src/services layout, but may use its service', async () => {
    await assertRefused('src/routes/__fixture__.ts', '../services/books/books-repository.js', 'never import a repository');
    await assertAllowed('src/routes/__fixture__.ts', '../services/books/books-service.js');
  });

  test('may import each other, schemas, lib and errors', async () => {
    await assertAllowed('src/routes/__fixture__.ts', '../plugins/authentication.js');
    await assertAllowed('src/routes/__fixture__.ts', './books.js');
    await assertAllowed('src/routes/__fixture__.ts', '../schemas/common.js');
    await assertAllowed('src/plugins/__fixture__.ts', '../lib/clock.js');
    await assertAllowed('src/plugins/__fixture__.ts', '../errors.js');
    await assertAllowed('src/plugins/__fixture__.ts', 'fastify');
  });

  test('a type-only import, a re-export and a dynamic import cross the wall too', async () => {
    const code = [
      "import type { x } from '../db/database.js';",
      "export { y } from '../modules/library/books-repository.js';",
      "export const load = () => import('../db/database.js');",
      'export type { x };',
    ].join('\n');
    assert.equal((await wallMessages('src/routes/__fixture__.ts', code)).length, 3);
  });
});

describe('lib', () => {
  test('imports no module and no service, not even a face', async () => {
    const hint = 'lib/ knows no rules';
    await assertRefused('src/lib/__fixture__.ts', '../modules/identity/index.js', hint);
    await assertRefused('src/lib/__fixture__.ts', '../modules/library/books-repository.js', hint);
    await assertRefused('src/lib/__fixture__.ts', '../services/books/books-service.js', hint);
  });

  test('knows no config', async () => {
    const hint = 'lib/ knows no config';
    await assertRefused('src/lib/__fixture__.ts', '../config.js', hint);
    await assertRefused('src/lib/__fixture__.ts', '../config/env.js', hint);
  });

  test('imports no route, plugin, composition root or app', async () => {
    const hint = 'lib/ sits below HTTP and the composition root';
    await assertRefused('src/lib/__fixture__.ts', '../routes/books.js', hint);
    await assertRefused('src/lib/__fixture__.ts', '../plugins/authentication.js', hint);
    await assertRefused('src/lib/__fixture__.ts', '../container.js', hint);
    await assertRefused('src/lib/nested/__fixture__.ts', '../../app.js', hint);
  });

  test('may import lib, errors and the database types', async () => {
    await assertAllowed('src/lib/__fixture__.ts', './clock.js');
    await assertAllowed('src/lib/__fixture__.ts', '../errors.js');
    await assertAllowed('src/lib/__fixture__.ts', '../db/database.js');
  });
});

describe('modules', () => {
  test('know no Fastify', async () => {
    const hint = 'Modules know no Fastify';
    await assertRefused('src/modules/identity/__fixture__.ts', 'fastify', hint);
    await assertRefused('src/modules/library/__fixture__.ts', '@fastify/multipart', hint);
    const typeOnly = "import type { FastifyRequest } from 'fastify';\nexport type { FastifyRequest };\n";
    assert.equal((await wallMessages('src/modules/identity/__fixture__.ts', typeOnly)).length, 1);
  });

  test('import no route, plugin, app or server', async () => {
    const hint = 'Modules know no HTTP';
    await assertRefused('src/modules/identity/__fixture__.ts', '../../routes/books.js', hint);
    await assertRefused('src/modules/identity/__fixture__.ts', '../../plugins/authentication.js', hint);
    await assertRefused('src/modules/library/__fixture__.ts', '../../app.js', hint);
    await assertRefused('src/modules/library/__fixture__.ts', '../../server.js', hint);
  });

  test('reach another module only through its face; within a module anything goes', async () => {
    await assertRefused(
      'src/modules/identity/__fixture__.ts',
      '../library/books-repository.js',
      'src/modules/library only through its face',
    );
    await assertRefused('src/modules/library/__fixture__.ts', '../identity/policy.js', 'src/modules/identity only through its face');
    await assertRefused(
      'src/modules/library/covers/__fixture__.ts',
      '../../identity/sessions/sessions-repository.js',
      'src/modules/identity only through its face',
    );
    await assertAllowed('src/modules/identity/__fixture__.ts', '../library/index.js');
    await assertAllowed('src/modules/identity/__fixture__.ts', './policy.js');
    await assertAllowed('src/modules/identity/sessions/__fixture__.ts', '../policy.js');
    await assertAllowed('src/modules/identity/__fixture__.ts', './sessions/sessions-repository.js');
  });

  test('may import src/db, lib, errors and packages other than Fastify', async () => {
    await assertAllowed('src/modules/library/__fixture__.ts', '../../db/database.js');
    await assertAllowed('src/modules/library/__fixture__.ts', '../../lib/clock.js');
    await assertAllowed('src/modules/library/__fixture__.ts', '../../errors.js');
    await assertAllowed('src/modules/library/__fixture__.ts', 'kysely');
  });
});

describe('db', () => {
  test('imports no module, service, route or plugin', async () => {
    const hint = 'src/db is the bottom layer';
    await assertRefused('src/db/__fixture__.ts', '../modules/identity/index.js', hint);
    await assertRefused('src/db/__fixture__.ts', '../services/books/books-service.js', hint);
    await assertRefused('src/db/migrations/__fixture__.ts', '../../routes/books.js', hint);
    await assertRefused('src/db/__fixture__.ts', '../plugins/authentication.js', hint);
    await assertAllowed('src/db/migrations/__fixture__.ts', '../database.js');
  });
});

describe('schemas', () => {
  test("may import a module's face only", async () => {
    await assertRefused('src/schemas/__fixture__.ts', '../modules/identity/policy.js', 'Schemas reach a module through its index.ts face');
    await assertRefused('src/schemas/__fixture__.ts', '../db/database.js', 'Schemas are HTTP contracts');
    await assertRefused('src/schemas/__fixture__.ts', '../services/books/books-service.js', 'Schemas are HTTP contracts');
    await assertAllowed('src/schemas/__fixture__.ts', '../modules/identity/index.js');
    await assertAllowed('src/schemas/__fixture__.ts', './common.js');
  });
});

describe('the repository', () => {
  test('eslint.config.js applies the walls to src/', async () => {
    const config = (await new ESLint({ cwd: REPO_ROOT }).calculateConfigForFile('src/routes/books.ts')) as {
      rules?: Record<string, unknown>;
    };
    const [severity] = config.rules?.[RULE] as [number | string];
    assert.ok(severity === 2 || severity === 'error', `${RULE} is not an error for src/`);
  });

  test('KNOWN_CROSSINGS (temporary) lists only files that exist and still cross a wall', async () => {
    const real = new ESLint({
      cwd: REPO_ROOT,
      overrideConfigFile: true,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
        ...boundaries(REPO_ROOT, { knownCrossings: [] }),
      ],
    });
    for (const file of KNOWN_CROSSINGS) {
      assert.ok(existsSync(path.join(REPO_ROOT, file)), `${file} no longer exists: remove it from KNOWN_CROSSINGS`);
      const [result] = await real.lintFiles([file]);
      assert.ok(
        result?.messages.some((message) => message.ruleId === RULE),
        `${file} no longer crosses a wall: remove it from KNOWN_CROSSINGS`,
      );
    }
  });
});
