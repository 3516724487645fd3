import type { KyselyPlugin } from 'kysely';
import type { Database } from '../../src/db/database.js';

/**
 * The test database behind a switch: while `down`, every query fails as a refused connection does,
 * the way PostgreSQL fails when its server is gone (test/outage.test.ts stops a real one; this is the
 * in-process, any-dialect version, for tests that need every route to meet an outage quickly).
 */
export function failingDatabase(database: Database): { database: Database; outage: { down: boolean } } {
  const outage = { down: false };
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      if (outage.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { database: { ...database, db: database.db.withPlugin(plugin) }, outage };
}
