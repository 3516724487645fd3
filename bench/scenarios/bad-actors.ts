/**
 * 6. Bad actors: a PNG whose header claims 20000×20000 (400 megapixels) in a few dozen bytes, and
 * an 11 MB upload, one over the 10 MB cover limit, declared with Content-Length and, as a variant,
 * sent chunked with no declared length. Measured: the time to refuse, the server's memory before,
 * at its peak and after, and for the large bodies how much of them the server read
 * (/proc/<pid>/io rchar: every byte its sockets handed it).
 */
import { pixelBombPng } from '../../test/helpers/image-fixtures.js';
import { login, multipart, rawUpload, register, timed, type RawUploadResult } from '../http.js';
import { bytesRead, peakRssDuring, rssMb } from '../proc.js';
import { row, type Row } from '../report.js';
import { median } from '../stats.js';
import { bare, settle, type Scenario, type ScenarioContext } from './context.js';

const TITLE = '6. Bad actors';
const MB = 1024 * 1024;
const OVERSIZED_BYTES = 11 * MB;
/** Time for a server to finish reading whatever is still in flight once it has answered. */
const DRAIN_MS = 300;

interface HostileRun {
  ms: number;
  beforeMb: number;
  peakMb: number;
  afterMb: number;
  /** Worst case over the run's requests. */
  readMb: number;
  sentMb: number;
  /** Share of the run's requests whose client read the refusal (the rest saw only a closed connection). */
  answeredPct: number;
}

interface Attempt {
  ms: number;
  readBytes: number;
  sentBytes: number;
  answered: boolean;
}

async function hostileRun(context: ScenarioContext, attempt: () => Promise<Attempt>): Promise<HostileRun> {
  const pid = context.bindery.pid;
  await settle(DRAIN_MS);
  const beforeMb = rssMb(pid);
  const { result, peakMb } = await peakRssDuring(pid, async () => {
    const attempts = [];
    for (let i = 0; i < context.settings.hostileRepeats; i++) attempts.push(await attempt());
    return attempts;
  });
  await settle(DRAIN_MS);
  return {
    ms: median(result.map((a) => a.ms)),
    beforeMb,
    peakMb,
    afterMb: rssMb(pid),
    readMb: Math.max(...result.map((a) => a.readBytes)) / MB,
    sentMb: Math.max(...result.map((a) => a.sentBytes)) / MB,
    answeredPct: (100 * result.filter((a) => a.answered).length) / result.length,
  };
}

export const badActorsScenario: Scenario = {
  id: 'bad-actors',
  title: TITLE,
  async run(context) {
    const { bindery, settings, reference } = context;
    const account = await register(bindery.url, 'hostile');
    const token = await login(bindery.url, account);
    const pid = bindery.pid;
    const bomb = pixelBombPng();
    let counter = 0;

    const pixelBomb = async (): Promise<Attempt> => {
      const form = multipart({
        title: `Pixel bomb ${++counter}`,
        category: 'science',
        cover_image: { filename: 'cover.png', contentType: 'image/png', content: bomb },
      });
      const { status, ms } = await timed(`${bindery.url}/books/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': form.contentType },
        body: form.body,
      });
      if (status !== 400) throw new Error(`the pixel bomb was answered ${status}, not 400`);
      return { ms, readBytes: 0, sentBytes: form.body.length, answered: true };
    };
    const oversized = (chunked: boolean) => async (): Promise<Attempt> => {
      const readBefore = bytesRead(pid);
      const result: RawUploadResult = await rawUpload(bindery.url, token, OVERSIZED_BYTES, chunked);
      await settle(DRAIN_MS);
      // 0: the server closed before the client could read an answer; still a refusal.
      if (result.status !== 413 && result.status !== 0) {
        throw new Error(`the ${chunked ? 'chunked ' : ''}11 MB upload was answered ${result.status}, not 413`);
      }
      return { ms: result.ms, readBytes: bytesRead(pid) - readBefore, sentBytes: result.bytesSent, answered: result.status === 413 };
    };

    const cases = [
      { label: 'pixel bomb (400 MP PNG)', attempt: pixelBomb, large: false },
      { label: '11 MB upload, Content-Length', attempt: oversized(false), large: true },
      { label: '11 MB upload, chunked', attempt: oversized(true), large: true },
    ];
    const rows: Row[] = [];
    for (const c of cases) {
      await c.attempt(); // warm-up
      const runs: HostileRun[] = [];
      for (let i = 0; i < settings.runs; i++) runs.push(await hostileRun(context, c.attempt));
      const isBomb = c === cases[0];
      const isDeclared = c === cases[1];
      rows.push(
        row(
          TITLE,
          `${c.label}: time to refuse`,
          'ms',
          runs.map((r) => r.ms),
          {
            reference: bare(reference, 'singleP50'),
            ...(isBomb ? { target: { on: 'median', op: '<', value: 100 } as const } : {}),
          },
        ),
        row(
          TITLE,
          `${c.label}: RSS before`,
          'MB',
          runs.map((r) => r.beforeMb),
        ),
        row(
          TITLE,
          `${c.label}: RSS after`,
          'MB',
          runs.map((r) => r.afterMb),
        ),
        row(
          TITLE,
          `${c.label}: peak RSS growth`,
          'MB',
          runs.map((r) => r.peakMb - r.beforeMb),
          {
            ...(isBomb ? { target: { on: 'median', op: '<', value: 50 } as const } : {}),
          },
        ),
      );
      if (c.large) {
        rows.push(
          row(
            TITLE,
            `${c.label}: read by the server`,
            'MB',
            runs.map((r) => r.readMb),
            {
              ...(isDeclared ? { target: { on: 'median', op: '<', value: 1, text: '< 1 MB of 11 (not read in full)' } as const } : {}),
            },
          ),
          row(
            TITLE,
            `${c.label}: sent by the client before the answer`,
            'MB',
            runs.map((r) => r.sentMb),
          ),
          row(
            TITLE,
            `${c.label}: client read the 413 (else: connection reset)`,
            '%',
            runs.map((r) => r.answeredPct),
          ),
        );
      }
    }
    return rows;
  },
};
