/**
 * 7. Login timing: an unknown email against a known email with a wrong password, one request at a
 * time and alternating, so drift and noise fall on both alike. Equal medians mean the response time
 * does not tell an attacker which emails have accounts.
 */
import { randomBytes } from 'node:crypto';
import { loginBody, timed } from '../http.js';
import { row } from '../report.js';
import { median, pairwiseRatio } from '../stats.js';
import { bare, type Scenario } from './context.js';

const TITLE = '7. Login timing, 1 conn';
const WARMUP_PAIRS = 2;

export const loginTimingScenario: Scenario = {
  id: 'login-timing',
  title: TITLE,
  async run({ bindery, reader, reference, settings }) {
    const attempt = async (email: string) => {
      const { status, ms } = await timed(`${bindery.url}/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: loginBody(email, 'Wrong-Password-123'),
      });
      if (status !== 401) throw new Error(`login with bad credentials answered ${status}, not 401`);
      return ms;
    };
    const pairs = async (count: number) => {
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < count; i++) {
        // Swap the order every other pair: neither kind always follows the other.
        const unknownEmail = `nobody.${randomBytes(4).toString('hex')}@example.com`;
        if (i % 2 === 0) {
          unknown.push(await attempt(unknownEmail));
          wrong.push(await attempt(reader.email));
        } else {
          wrong.push(await attempt(reader.email));
          unknown.push(await attempt(unknownEmail));
        }
      }
      return { unknown: median(unknown), wrong: median(wrong) };
    };
    await pairs(WARMUP_PAIRS);
    const runs: { unknown: number; wrong: number }[] = [];
    for (let i = 0; i < settings.runs; i++) runs.push(await pairs(settings.timingPairs));
    const unknown = runs.map((r) => r.unknown);
    const wrong = runs.map((r) => r.wrong);
    return [
      row(TITLE, 'unknown email: median', 'ms', unknown, { reference: bare(reference, 'singleP50') }),
      row(TITLE, 'wrong password: median', 'ms', wrong, { reference: bare(reference, 'singleP50') }),
      row(TITLE, 'unknown / wrong', '×', pairwiseRatio(unknown, wrong), {
        target: { on: 'median', op: 'between', value: 0.9, high: 1.1, text: '0.9× – 1.1× (harness’s own)' },
      }),
    ];
  },
};
