/**
 * `npm run openapi`: writes docs/openapi.json, the document the app serves under the default
 * configuration. Run it after changing a route or a schema; test/http/openapi-document.test.ts fails until then.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDatabase } from '../src/db/database.js';

export const DOCUMENT_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

/**
 * GET /openapi.json of an app with every setting at its default, on a throwaway database: nothing of this
 * machine's environment or .env (a PUBLIC_URL or MAX_COVER_BYTES there would change the document).
 */
export async function defaultDocument(): Promise<unknown> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bindery-openapi-'));
  try {
    // The secret only seals signing keys in the throwaway database; it never reaches the document.
    const config = loadConfig({ SECRET_KEY: randomBytes(32).toString('base64url'), DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, dataDir);
    const database = createDatabase({ sqliteFile: ':memory:' });
    try {
      const app = await buildApp(config, { database, logger: false });
      try {
        const response = await app.inject({ method: 'GET', url: '/openapi.json' });
        if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
        return response.json();
      } finally {
        await app.close();
      }
    } finally {
      await database.destroy();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The file's exact text: two-space JSON and a final newline (Prettier leaves the file alone, see .prettierignore). */
export function serialize(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(DOCUMENT_FILE, serialize(await defaultDocument()));
  console.log(`wrote ${DOCUMENT_FILE}`);
}
