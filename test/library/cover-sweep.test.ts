/**
 * The sweep at start: what a crash left between a cover's put and its book's commit is deleted when
 * its process has certainly stopped, or once the grace period is over; an upload that another live
 * instance may still commit is left alone.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { test, type TestContext } from 'node:test';
import { buildTestApp, fakeClock, signUp, type TestApp } from '../helpers/app.js';
import { createBook } from '../helpers/books.js';
import { jpeg } from '../helpers/image-fixtures.js';

/** The test app's clock starts here; the grace period is 15 minutes. */
const NOW = fakeClock().now().getTime();
const iso = (ms: number) => new Date(ms).toISOString();

/** A process that is running (on this host) until the test ends. */
async function livePid(t: TestContext): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  t.after(() => child.kill('SIGKILL'));
  return child.pid ?? 0;
}

/** A process that ran on this host and has exited. */
async function stoppedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid ?? 0;
}

interface Leftover {
  name: string;
  state: 'uploading' | 'discarded';
  host: string;
  pid: number;
  at: number;
  swept: boolean;
}

/** A cover as a crash leaves it: renditions in the store, a row in unattached_covers, no book. */
async function leave(database: TestApp['database'], leftover: Leftover, bytes: Buffer): Promise<void> {
  const at = iso(leftover.at);
  await database.db
    .insertInto('cover_images')
    .values(
      ['thumbnail', 'display'].map((rendition) => ({
        cover_id: leftover.name,
        rendition,
        book_id: `book-of-${leftover.name}`,
        content_type: 'image/jpeg',
        bytes,
        width: 1,
        height: 1,
        created_at: at,
      })),
    )
    .execute();
  await database.db
    .insertInto('unattached_covers')
    .values({
      cover_id: leftover.name,
      state: leftover.state,
      instance_id: `instance-of-${leftover.name}`,
      instance_host: leftover.host,
      instance_pid: leftover.pid,
      created_at: at,
    })
    .execute();
}

test('at start, covers whose upload can no longer commit are swept; those another live instance may commit are kept', async (t) => {
  const first = await buildTestApp(t);
  const { database } = first;
  const book = await createBook(first.app, await signUp(first.app));
  const host = hostname();
  const justNow = NOW - 1000;
  const longAgo = NOW - 16 * 60_000;
  const leftovers: Leftover[] = [
    { name: 'stopped-process', state: 'uploading', host, pid: await stoppedPid(), at: justNow, swept: true },
    // This process id, but an instance this process is not running: the previous process of a container restarted as PID 1.
    { name: 'previous-process-same-pid', state: 'uploading', host, pid: process.pid, at: justNow, swept: true },
    { name: 'live-process', state: 'uploading', host, pid: await livePid(t), at: justNow, swept: false },
    { name: 'other-host-recent', state: 'uploading', host: 'another-host', pid: 4242, at: justNow, swept: false },
    { name: 'other-host-past-grace', state: 'uploading', host: 'another-host', pid: 4242, at: longAgo, swept: true },
    { name: 'live-process-past-grace', state: 'uploading', host, pid: await livePid(t), at: longAgo, swept: true },
    { name: 'discarded-after-commit', state: 'discarded', host: 'another-host', pid: 4242, at: justNow, swept: true },
  ];
  const bytes = await jpeg();
  for (const leftover of leftovers) await leave(database, leftover, bytes);

  // Another instance starts on the same database, as after a crash.
  const { app } = await buildTestApp(t, { database });
  const kept = leftovers.filter((leftover) => !leftover.swept).map((leftover) => leftover.name);
  const { cover_id: bookCover } = await database.db
    .selectFrom('books')
    .select('cover_id')
    .where('id', '=', book._id)
    .executeTakeFirstOrThrow();
  const renditions = await database.db.selectFrom('cover_images').select('cover_id').execute();
  assert.deepEqual([...new Set(renditions.map((row) => row.cover_id))].sort(), [...kept, bookCover].sort(), 'renditions left in the store');
  assert.equal(renditions.length, 2 * (kept.length + 1));
  // (The first app's unused reserved cover ids are listed as its uploads too: it is still running.)
  const names = new Set(leftovers.map((leftover) => leftover.name));
  const listed = (await database.db.selectFrom('unattached_covers').select(['cover_id', 'state']).execute()).filter((row) =>
    names.has(row.cover_id),
  );
  assert.deepEqual(listed.map((row) => row.cover_id).sort(), kept.sort(), 'still listed');
  assert.ok(
    listed.every((row) => row.state === 'uploading'),
    'a kept upload may still commit',
  );
  // A cover a book points at is never the sweep's business.
  for (const url of [book.images.thumbnail, book.images.display]) {
    assert.equal((await app.inject({ method: 'GET', url: new URL(url).pathname })).statusCode, 200, url);
  }
});
