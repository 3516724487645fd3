import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timestamptzToIso } from '../../src/db/database.js';

test('timestamptzToIso agrees with Date on every form PostgreSQL sends, and truncates microseconds like Date', () => {
  const cases = [
    '2030-01-01 00:00:00+00',
    '2030-01-01 00:00:00.1+00',
    '2030-01-01 00:00:00.12+00',
    '2030-01-01 00:00:00.123+00',
    '2030-12-31 23:59:59.999999+00',
    '1999-02-28 13:14:15.000456+00',
    // Not UTC: the slow path, still right.
    '2030-01-01 02:00:00.5+02',
    '2030-01-01 00:00:00-05:30',
  ];
  for (const value of cases) assert.equal(timestamptzToIso(value), new Date(value).toISOString(), value);
});
