import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { buildTestApp, errorOf } from '../helpers/app.js';

test('GET /readyz is 503 while a migration this version needs is not applied, 200 once it is', async (t) => {
  const { app, database } = await buildTestApp(t);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);

  // As if an older version's database were served before `bindery migrate` ran.
  const latest = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration order by name desc`.execute(
    database.db,
  );
  const row = latest.rows[0];
  assert.ok(row);
  await sql`delete from kysely_migration where name = ${row.name}`.execute(database.db);
  const stale = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(stale.statusCode, 503);
  assert.equal(errorOf(stale).code, 'DATABASE_UNAVAILABLE');
  assert.ok(stale.headers['retry-after']);

  await sql`insert into kysely_migration (name, timestamp) values (${row.name}, ${row.timestamp})`.execute(database.db);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

test('GET /readyz is 503 on a database that was never migrated', async (t) => {
  const { app, database } = await buildTestApp(t);
  await sql`drop table kysely_migration`.execute(database.db);
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(response.statusCode, 503);
  assert.equal(errorOf(response).code, 'DATABASE_UNAVAILABLE');
});
