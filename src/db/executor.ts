import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

/** What a repository method runs on: the database, or the service's open transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;
