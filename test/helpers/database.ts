import type { Database } from '../../src/db/database.js';
import type { DB } from '../../src/db/schema.js';

/** How many rows a table holds: the "nothing was stored" and "exactly one won" checks. */
export async function countRows(database: Database, table: keyof DB): Promise<number> {
  const row = await database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
