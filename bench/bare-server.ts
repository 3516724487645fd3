/**
 * The reference: Fastify with nothing on top, answering from memory. What Bindery adds (auth,
 * validation, the database, serialisation of real rows) shows as the ratio to this server's figures,
 * which also cancels out most of the machine's own speed.
 *
 * Started by the harness as its own process (see servers.ts), on PORT, at 127.0.0.1 only.
 */
import { hash, verify } from '@node-rs/argon2';
import Fastify from 'fastify';

const SMALL_JSON = { message: 'Successfully retrieved user profile', data: { _id: 'reference', name: 'Bare Fastify', active: true } };

const app = Fastify({ logger: false });

app.get('/', () => SMALL_JSON);
app.get('/ref', () => SMALL_JSON);

// The upload reference: the whole multipart body is received into memory and dropped, so the
// ratio for cover uploads shows what processing the cover costs on top of moving its bytes.
app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: 16 * 1024 * 1024 }, (_request, body, done) => {
  done(null, body);
});
app.post('/upload', (request) => ({ message: 'received', data: { bytes: (request.body as Buffer).length } }));

// The login reference: one argon2id verification per request at Bindery's own parameters (the
// harness passes them in BENCH_ARGON2), so login throughput can be set against what the password
// hash alone allows on this machine.
const ARGON2ID = 2;
const argon2 = { algorithm: ARGON2ID, ...(JSON.parse(process.env.BENCH_ARGON2 ?? '{}') as object) };
const storedHash = hash('reference-password', argon2);
app.post('/login', async () => {
  const ok = await verify(await storedHash, 'reference-password');
  return { message: 'verified', data: { ok } };
});

const port = Number(process.env.PORT);
app.listen({ host: '127.0.0.1', port }).catch((error: unknown) => {
  process.stderr.write(`bare server failed: ${String(error)}\n`);
  process.exit(1);
});

const close = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
