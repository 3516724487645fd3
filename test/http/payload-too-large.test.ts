import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp, signUp } from '../helpers/app.js';
import { listenOn, openSocket, parseAnswer, type RawAnswer } from '../helpers/raw-http.js';

const MiB = 1024 * 1024;
const ATTEMPTS = 20;
const ATTEMPT_WITHIN_MS = 15_000;
const BOUNDARY = 'bindery-413-test';

interface Upload {
  answer: RawAnswer | undefined;
  /** Socket errors the client saw: EPIPE or ECONNRESET when the server closed under it. */
  errors: string[];
  bytesSent: number;
}

/**
 * Uploads `bodySize` bytes as a browser does: it sends the whole body, whatever comes back meanwhile,
 * and reads the answer once it has sent it (or could not). A server that closes under a client still
 * sending resets the connection, and the answer waiting unread is lost (RFC 9112 §9.6).
 */
function uploadLikeABrowser(
  port: number,
  head: string,
  bodySize: number,
  chunked: boolean,
  framing = { start: '', end: '' },
): Promise<Upload> {
  const { socket, errors, received, closed } = openSocket(port);
  socket.pause();
  const piece = Buffer.alloc(64 * 1024, 0x42);
  let bytesSent = 0;
  const frame = (bytes: Buffer) =>
    chunked ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]) : bytes;
  const sending = new Promise<void>((resolve) => {
    const pump = () => {
      while (bytesSent < bodySize && !socket.destroyed && errors.length === 0) {
        const bytes = piece.subarray(0, Math.min(piece.length, bodySize - bytesSent));
        bytesSent += bytes.length;
        if (!socket.write(frame(bytes))) return void socket.once('drain', pump);
      }
      if (framing.end && !socket.destroyed) socket.write(frame(Buffer.from(framing.end)));
      if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
      resolve();
    };
    socket.once('close', () => resolve());
    socket.write(head);
    if (framing.start) socket.write(frame(Buffer.from(framing.start)));
    pump();
  });
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, ATTEMPT_WITHIN_MS).unref());
  return (async () => {
    await Promise.race([sending, deadline]);
    socket.resume();
    const answered = new Promise<void>((resolve) => {
      const check = () => {
        if (parseAnswer(received())) resolve();
      };
      socket.on('data', check);
      check();
    });
    await Promise.race([answered, closed, deadline]);
    socket.destroy();
    return { answer: parseAnswer(received()), errors, bytesSent };
  })();
}

function multipartHead(token: string, bodySize: number | 'chunked'): string {
  const length = bodySize === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${bodySize}`;
  return `POST /books/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n${length}\r\n\r\n`;
}

/** Each of ATTEMPTS uploads reads the whole 413 envelope, and no connection is reset under the client. */
async function assertEveryUploadReads413(label: string, upload: () => Promise<Upload>): Promise<void> {
  const outcomes: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const { answer, errors } = await upload();
    const body = answer?.json();
    const read = answer?.status === 413 && body?.code === 'PAYLOAD_TOO_LARGE' && body.request_id === answer.headers['x-request-id'];
    outcomes.push(read && errors.length === 0 ? 'read' : `status ${answer?.status ?? 'none'}, errors ${errors.join(',') || 'none'}`);
    if (answer) assert.equal(answer.headers.connection, 'close', label);
  }
  assert.deepEqual(outcomes, Array<string>(ATTEMPTS).fill('read'), label);
}

test(
  'issue 9: an 11 MB cover with a declared length: every one of 20 browser-like uploads reads the 413 envelope, no reset',
  { timeout: 180_000 },
  async (t) => {
    const { app } = await buildTestApp(t);
    const { token } = await signUp(app);
    const port = await listenOn(app);
    const size = 11 * MiB;
    await assertEveryUploadReads413('declared length', () => uploadLikeABrowser(port, multipartHead(token, size), size, false));
  },
);

test('issue 9: an 11 MB cover sent chunked: every one of 20 uploads reads the 413 envelope, no reset', { timeout: 180_000 }, async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await signUp(app);
  const port = await listenOn(app);
  // A well-formed form whose one file is over the limit: the multipart limit, not the framing, refuses it.
  const framing = {
    start: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="cover_image"; filename="c.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    end: `\r\n--${BOUNDARY}--\r\n`,
  };
  await assertEveryUploadReads413('chunked', () => uploadLikeABrowser(port, multipartHead(token, 'chunked'), 11 * MiB, true, framing));
});

test(
  'issue 9: a JSON body over 64 KiB, declared or chunked: every one of 20 uploads reads the 413 envelope, no reset',
  { timeout: 180_000 },
  async (t) => {
    const { app } = await buildTestApp(t);
    const port = await listenOn(app);
    const size = 4 * MiB;
    const head = (length: string) => `POST /users/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${length}\r\n\r\n`;
    await assertEveryUploadReads413('JSON, declared', () => uploadLikeABrowser(port, head(`Content-Length: ${size}`), size, false));
    await assertEveryUploadReads413('JSON, chunked', () => uploadLikeABrowser(port, head('Transfer-Encoding: chunked'), size, true));
  },
);

test(
  'the drain is bounded: past twice the cover limit the server stops reading and closes the connection',
  { timeout: 60_000 },
  async (t) => {
    const { app } = await buildTestApp(t, { config: { maxCoverBytes: 256 * 1024 } });
    const { token } = await signUp(app);
    const port = await listenOn(app);
    const size = 64 * MiB;
    const upload = await uploadLikeABrowser(port, multipartHead(token, size), size, false);
    assert.ok(upload.bytesSent < size, `the server closed before all ${size} bytes were sent (sent ${upload.bytesSent})`);
    assert.ok(upload.errors.length > 0 || upload.answer !== undefined, 'the client saw the connection end');
  },
);
