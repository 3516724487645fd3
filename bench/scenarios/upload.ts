/**
 * 4. Cover upload: POST /books/ with a 1 MB, 2000×3000 JPEG, at 1 and 8 connections. Each upload
 * has its own title (titles are unique per reader), so every one is a real 201 with a decode,
 * two re-encodes and a transaction.
 */
import { largeJpeg } from '../../test/helpers/image-fixtures.js';
import { login, multipart, register } from '../http.js';
import { assertHealthy, runLoad, warmThenRun } from '../load.js';
import { peakRssDuring, waitForIdle } from '../proc.js';
import { row, type Row } from '../report.js';
import { bare, UPLOAD_CONNECTIONS, slowPlan, type Scenario } from './context.js';

const TITLE = '4. Cover upload (1 MB JPEG, 2000×3000)';

export const uploadScenario: Scenario = {
  id: 'upload',
  title: TITLE,
  async run({ bindery, plan, reference }) {
    // A reader of its own: thousands of uploaded books must not change the libraries of scenarios 2 and 5.
    const uploader = await register(bindery.url, 'uploader');
    const token = await login(bindery.url, uploader);
    const cover = await largeJpeg();
    const boundary = '----benchUploadBoundary7MA4YWxkTrZu0gW';
    let counter = 0;
    const nextBody = () =>
      multipart(
        {
          title: `Uploaded cover ${++counter}`,
          category: 'science',
          cover_image: { filename: 'cover.jpg', contentType: 'image/jpeg', content: cover },
        },
        boundary,
      ).body;
    const contentType = multipart({}, boundary).contentType;

    const rows: Row[] = [];
    for (const connections of UPLOAD_CONNECTIONS) {
      const runs = await warmThenRun(
        slowPlan(plan),
        async (seconds) => {
          const { result, peakMb } = await peakRssDuring(bindery.pid, () =>
            runLoad({
              url: bindery.url,
              path: '/books/',
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
              nextBody,
              connections,
              seconds,
              expectStatus: 201,
            }),
          );
          assertHealthy(result, `upload at ${connections} connections`);
          return { ...result, peakMb };
        },
        () => waitForIdle(bindery.pid),
      );
      const received = reference.upload[connections];
      rows.push(
        row(
          TITLE,
          `${connections} conn: uploads/s`,
          'req/s',
          runs.map((r) => r.rps),
          {
            reference: { label: 'bare receive', value: received.rps },
            ...(connections === 8 ? { target: { on: 'median', op: '>=', value: 60 } as const } : {}),
          },
        ),
        row(
          TITLE,
          `${connections} conn: p50`,
          'ms',
          runs.map((r) => r.p50),
          {
            reference: { label: 'bare receive', value: received.p50 },
            ...(connections === 1 ? { target: { on: 'median', op: '<', value: 40 } as const } : {}),
          },
        ),
        row(
          TITLE,
          `${connections} conn: peak RSS`,
          'MB',
          runs.map((r) => r.peakMb),
          {
            reference: bare(reference, 'peakRssMb'),
            target: { on: 'median', op: '<', value: 300 },
          },
        ),
      );
    }
    return rows;
  },
};
