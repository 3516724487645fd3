import assert from 'node:assert/strict';
import type { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import type { AppDeps } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { buildTestApp, multipart, signUp, testConfig } from '../helpers/app.js';
import { listenOn, openSocket, parseAnswer, rawExchange } from '../helpers/raw-http.js';

const SECOND = 1000;
/** Small limits, so a test waits seconds rather than minutes. */
const FAST = { idleTimeoutMs: 1 * SECOND, requestTimeoutMs: 3 * SECOND, headersTimeoutMs: 2 * SECOND, maxConnections: 1024 };
const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
/** A login whose body declares 1000 bytes and sends ten. */
const STALLED_BODY =
  'POST /users/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"email":"';

/**
 * The app on a real port, and `open` for client connections to it. The connections are destroyed when
 * the test ends, before the app closes (hooks run in the order they are added): on a server that never
 * closes them, the app's close would otherwise wait for ever.
 */
async function listening(t: TestContext, http: Partial<Config['http']> = {}, deps: AppDeps = {}) {
  const opened: ReturnType<typeof openSocket>[] = [];
  t.after(() => opened.forEach(({ socket }) => socket.destroy()));
  const logging = deps.logger ? { logLevel: 'info' } : {};
  const { app } = await buildTestApp(t, { config: { http: { ...FAST, ...http }, ...logging }, deps });
  const port = await listenOn(app);
  const open = () => {
    const client = openSocket(port);
    opened.push(client);
    return client;
  };
  return { app, port, open };
}

/** Resolves with how long `closed` took, or rejects once `withinMs` has passed. */
async function closedWithin(closed: Promise<void>, withinMs: number, label: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${label}: still open after ${withinMs} ms`)), withinMs)),
  );
  try {
    await Promise.race([closed, late]);
  } finally {
    clearTimeout(timer);
  }
}

test(
  'issue 9: 200 connections that send headers and ten bytes are closed after the idle timeout, and /healthz answers meanwhile',
  { timeout: 60_000 },
  async (t) => {
    const { port, open } = await listening(t);
    const started = performance.now();
    const stalled = Array.from({ length: 200 }, () => open());
    await Promise.all(stalled.map(({ socket }) => new Promise<void>((resolve) => socket.write(STALLED_BODY, () => resolve()))));

    // While all 200 are open, health checks (in parallel, each on a connection of its own) are answered at once.
    const checks = await Promise.all(Array.from({ length: 20 }, () => rawExchange(port, HEALTHZ, 2 * SECOND)));
    assert.deepEqual(
      checks.map((answer) => answer.status),
      Array<number>(20).fill(200),
    );
    assert.ok(
      stalled.every(({ socket }) => !socket.destroyed),
      'the stalled connections were still open during the checks',
    );

    await closedWithin(
      Promise.all(stalled.map(({ closed }) => closed)).then(() => undefined),
      10 * SECOND,
      'stalled connections',
    );
    assert.ok(performance.now() - started >= FAST.idleTimeoutMs * 0.9, 'closed by the idle timeout, not at once');
    assert.equal((await rawExchange(port, HEALTHZ)).status, 200);
  },
);

test(
  'issue 9: a body that trickles in forever is cut by the request timeout with 408 REQUEST_TIMEOUT in the envelope',
  { timeout: 30_000 },
  async (t) => {
    const { open } = await listening(t);
    const { socket, received, closed } = open();
    socket.write(STALLED_BODY);
    // One byte every 200 ms never lets the idle timeout act; at most 60 bytes (12 s).
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < 60 && !socket.destroyed) socket.write('a');
      sent += 1;
    }, 200);
    t.after(() => clearInterval(trickle));
    await closedWithin(closed, 8 * SECOND, 'trickling body');
    clearInterval(trickle);
    const answer = parseAnswer(received());
    assert.equal(answer?.status, 408, received().toString('latin1'));
    assert.equal(answer.json().code, 'REQUEST_TIMEOUT');
    assert.equal(answer.headers['x-request-id'], answer.json().request_id);
    assert.ok(sent >= 10, 'it was cut by the request timeout (3 s), after the idle timeout (1 s) had been kept at bay');
  },
);

test('issue 9: headers sent one byte at a time are cut by the headers timeout', { timeout: 30_000 }, async (t) => {
  const { open } = await listening(t);
  const { socket, received, closed } = open();
  const head = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'s'.repeat(100)}`;
  let index = 0;
  const drip = setInterval(() => {
    if (index < head.length && !socket.destroyed) socket.write(head[index] ?? '');
    index += 1;
  }, 100);
  t.after(() => clearInterval(drip));
  await closedWithin(closed, 8 * SECOND, 'slow headers');
  clearInterval(drip);
  assert.equal(parseAnswer(received())?.status, 408);
});

test(
  'an answer the server takes longer than the idle timeout to compute is not cut; an idle keep-alive connection outlives it',
  { timeout: 30_000 },
  async (t) => {
    const slowImages = {
      process: async () => {
        // Longer than the 1 s idle timeout: work on our side, with the client silent meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 1.8 * SECOND));
        throw Object.assign(new Error('slow and then refusing'), { statusCode: 422 });
      },
    };
    const { app, port, open } = await listening(t, {}, { images: slowImages });
    const { token } = await signUp(app);
    const form = multipart({
      title: 'Slow',
      category: 'science',
      cover_image: { content: Buffer.from('x') },
    });
    const body = form.payload as Buffer;
    const contentType = (form.headers as Record<string, string>)['content-type'] ?? '';
    const request = `POST /books/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
    const answer = await rawExchange(port, Buffer.concat([Buffer.from(request), body]), 10 * SECOND);
    assert.equal(answer.status, 422, answer.body);

    // Keep-alive: the connection waits for the next request well past the idle timeout (keepAliveTimeout closes it).
    const { socket, received } = open();
    socket.write(HEALTHZ);
    await closedWithin(new Promise<void>((resolve) => socket.once('data', () => resolve())), 5 * SECOND, 'first answer');
    await new Promise((resolve) => setTimeout(resolve, 2 * FAST.idleTimeoutMs));
    assert.equal(socket.destroyed, false, 'an idle keep-alive connection is not closed by the idle timeout');
    socket.write(HEALTHZ);
    await closedWithin(new Promise<void>((resolve) => socket.once('data', () => resolve())), 5 * SECOND, 'second answer');
    assert.equal(
      received()
        .toString('latin1')
        .match(/HTTP\/1\.1 200/g)?.length,
      2,
    );
  },
);

test('MAX_CONNECTIONS: connections past the cap are refused at once; a freed slot is usable again', { timeout: 30_000 }, async (t) => {
  const { port, open } = await listening(t, { idleTimeoutMs: 20 * SECOND, maxConnections: 5 });
  const held = Array.from({ length: 5 }, () => open());
  // Each holds a kept-alive connection the server has accepted and answered on.
  for (const { socket, received } of held) {
    socket.write(HEALTHZ);
    await closedWithin(new Promise<void>((resolve) => socket.once('data', () => resolve())), 5 * SECOND, 'held connection');
    assert.match(received().toString('latin1'), /^HTTP\/1\.1 200/);
  }
  const refused = open();
  refused.socket.write(HEALTHZ);
  await closedWithin(refused.closed, 5 * SECOND, 'the sixth connection');
  assert.equal(refused.received().length, 0, 'no answer on a refused connection');

  held[0]?.socket.destroy();
  // The server frees the slot when it sees the close: retry a bounded number of times.
  let status = 0;
  for (let attempt = 0; attempt < 20 && status !== 200; attempt += 1) {
    status = await rawExchange(port, HEALTHZ, SECOND).then(
      (answer) => answer.status,
      () => 0,
    );
  }
  assert.equal(status, 200);
});

test('issue 9: a client that goes away in the middle of its body is logged at info, never as an error', { timeout: 30_000 }, async (t) => {
  const lines: string[] = [];
  const logger = { write: (line: string) => lines.push(line) } as unknown as Writable;
  const { open } = await listening(t, {}, { logger });
  for (const path of ['/users/login', '/users/']) {
    const { socket, closed } = open();
    socket.write(STALLED_BODY.replace('/users/login', path));
    await new Promise<void>((resolve) => socket.write('"', () => resolve()));
    socket.destroy();
    await closed;
  }
  // And one the server closes for stalling.
  const { socket, closed } = open();
  socket.write(STALLED_BODY);
  await closedWithin(closed, 5 * SECOND, 'stalled');
  const wentAway = () => lines.filter((line) => /went away|stopped arriving/.test(line)).length;
  for (let attempt = 0; attempt < 50 && wentAway() < 3; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
  assert.deepEqual(
    entries.filter((entry) => entry.level >= 50).map((entry) => entry.msg),
    [],
    'no error line',
  );
  assert.ok(wentAway() >= 3, lines.join(''));
  assert.ok(
    entries.filter((entry) => /went away|stopped arriving/.test(entry.msg)).every((entry) => entry.level === 30),
    'at info',
  );
});

// The default config's limits, as documented.
test('the defaults: 30 s idle, 5 minutes per request, 30 s for headers, 1024 connections', () => {
  assert.deepEqual(testConfig().http, {
    idleTimeoutMs: 30 * SECOND,
    requestTimeoutMs: 300 * SECOND,
    headersTimeoutMs: 30 * SECOND,
    maxConnections: 1024,
  });
});
