import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, signUpOn, type Reply } from '../helpers/http-client.js';
import { jpeg } from '../helpers/image-fixtures.js';
import { startPgCluster } from '../helpers/pg-cluster.js';
import { startServer, tempDataDir } from '../helpers/server-process.js';

function assertUnavailable(reply: Reply, what: string): void {
  assert.equal(reply.status, 503, `${what}: ${reply.body.toString()}`);
  assert.equal(reply.json().code, 'DATABASE_UNAVAILABLE', what);
  assert.match(reply.headers.get('retry-after') ?? '', /^\d+$/, `${what}: Retry-After`);
}

const BURST = 8;

// PostgreSQL only, in every run: the test brings its own cluster, so it can stop it without
// disturbing the shared one, whatever TEST_DATABASE_URL says.
test(
  'PostgreSQL stopped (fast, immediate) or hung, then back: 503 DATABASE_UNAVAILABLE with Retry-After, no crash, no restart',
  { timeout: 90_000 },
  async (t) => {
    const cluster = await startPgCluster(t);
    // A short query timeout keeps the frozen-database half of the test short.
    const server = await startServer(t, { DATABASE_URL: cluster.url, DATA_DIR: tempDataDir(t), DATABASE_QUERY_TIMEOUT_SECONDS: '2' });
    const token = await signUpOn(server.port);
    const cover = { filename: 'cover.jpg', contentType: 'image/jpeg', content: await jpeg() };
    let books = 0;
    const postBook = (timeoutMs?: number) => {
      books += 1;
      const form = { title: `Outage ${books}`, category: 'science', cover_image: cover };
      return call(server.port, 'POST', '/books/', { token, form, ...(timeoutMs ? { timeoutMs } : {}) });
    };
    assert.equal((await postBook()).status, 201);

    for (const mode of ['fast', 'immediate'] as const) {
      // Uploads in flight when the database goes: each one is either stored (201) or refused (503),
      // never a 500. A checked-out connection losing its server used to crash the process.
      const burst = Array.from({ length: BURST }, () => postBook(30_000));
      await Promise.race(burst);
      await cluster.stop(mode);
      const inFlight = await Promise.all(burst);
      for (const reply of inFlight) {
        if (reply.status !== 201) assertUnavailable(reply, `an upload in flight during a ${mode} stop`);
      }
      assert.equal(server.child.exitCode, null, `the server process survived a ${mode} stop`);

      // Each call fails the test if it takes longer than ANSWER_WITHIN_MS. Twice: the first requests may
      // meet the pool's dead connections, the later ones a refused connect.
      for (let round = 1; round <= 2; round += 1) {
        const what = `${mode} stop, round ${round}`;
        assertUnavailable(await call(server.port, 'GET', '/users/', { token }), `GET /users/, ${what}`);
        assertUnavailable(await postBook(), `POST /books/, ${what}`);
        assertUnavailable(await call(server.port, 'GET', '/readyz'), `GET /readyz, ${what}`);
        assert.equal((await call(server.port, 'GET', '/healthz')).status, 200, `GET /healthz, ${what}`);
      }
      assert.equal(server.child.exitCode, null, 'the server process is still running');

      await cluster.start();
      // The same process and the same token: the pool reconnects on demand.
      assert.equal((await call(server.port, 'GET', '/readyz')).status, 200, `GET /readyz after a ${mode} stop`);
      const me = await call(server.port, 'GET', '/users/', { token });
      assert.equal(me.status, 200, me.body.toString());
      const created = await postBook();
      assert.equal(created.status, 201, created.body.toString());
      for (const reply of [created, ...inFlight.filter((r) => r.status === 201)]) {
        const { _id: id, image_url: imageUrl } = reply.json<{ data: { _id: string; image_url: string } }>().data;
        assert.equal((await call(server.port, 'GET', `/books/${id}`, { token })).status, 200, `book ${id} is there`);
        assert.equal((await call(server.port, 'GET', new URL(imageUrl).pathname)).status, 200, `cover of ${id}`);
      }
    }

    // A database that hangs closes nothing: a query on a pooled connection used to wait forever.
    assert.equal((await call(server.port, 'GET', '/users/', { token })).status, 200, 'a pooled connection to freeze');
    await cluster.freeze();
    // Bounded by the query timeout (2 s) on the pooled connection, or the connect timeout (5 s) on a new one.
    const frozen = { timeoutMs: 8_000 };
    assertUnavailable(await call(server.port, 'GET', '/users/', { token, ...frozen }), 'GET /users/, frozen');
    assertUnavailable(await call(server.port, 'GET', '/readyz', frozen), 'GET /readyz, frozen');
    assert.equal((await call(server.port, 'GET', '/healthz')).status, 200);
    await cluster.thaw();
    assert.equal((await call(server.port, 'GET', '/users/', { token })).status, 200, 'served again after the freeze');
    assert.equal((await call(server.port, 'GET', '/readyz')).status, 200);
    assert.equal((await postBook()).status, 201);
    assert.equal(server.child.exitCode, null, 'the server process is still running');
  },
);
