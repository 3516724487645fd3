/**
 * 3. Login storm: 50 connections logging in as fast as they can (real argon2id at the server's
 * OWASP parameters), while a second, polite client reads GET /users/ at 100 req/s and times it.
 * The question is whether password hashing starves everyone else.
 *
 * Each run is a fixed number of logins (see stormAmounts); throughput is logins over elapsed time.
 * The reference is the bare server verifying one argon2id hash per request at the same parameters:
 * the ceiling any login endpoint can reach on this machine.
 */
import { login, loginBody } from '../http.js';
import { assertHealthy, runLoad, warmThenRun } from '../load.js';
import { peakRssDuring, waitForIdle } from '../proc.js';
import { row } from '../report.js';
import { bare, STORM_CONNECTIONS as CONNECTIONS, stormAmounts, type Scenario } from './context.js';

const TITLE = '3. Login storm, 50 conn';
/** The probe: 5 connections at 100 req/s in all, so one stalled response does not stop the others. */
const PROBE_CONNECTIONS = 5;
const PROBE_RATE = 100;
/** Upper bound on one run, whatever the machine: the run is cut there and its figures kept. */
const MAX_RUN_SECONDS = 120;

export const stormScenario: Scenario = {
  id: 'storm',
  title: TITLE,
  async run({ bindery, plan, reader, reference, settings }) {
    const token = await login(bindery.url, reader);
    const auth = { authorization: `Bearer ${token}` };
    // The probe's token is verified once here; the storm then measures steady state, not the first check.
    await fetch(`${bindery.url}/users/`, { headers: auth }).then((r) => r.arrayBuffer());
    const { warmup: warmupLogins, perRun } = stormAmounts(settings.quick);

    const runs = await warmThenRun(
      plan,
      async (_seconds, warmup) => {
        const stopProbe = new AbortController();
        const { result, peakMb } = await peakRssDuring(bindery.pid, () =>
          Promise.all([
            runLoad({
              url: bindery.url,
              path: '/users/login',
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: loginBody(reader.email, reader.password),
              // autocannon needs at least one request per connection.
              connections: warmup ? Math.min(CONNECTIONS, warmupLogins) : CONNECTIONS,
              amount: warmup ? warmupLogins : perRun,
              seconds: MAX_RUN_SECONDS,
              expectStatus: 200,
            }).finally(() => stopProbe.abort()),
            runLoad({
              url: bindery.url,
              path: '/users/',
              headers: auth,
              connections: PROBE_CONNECTIONS,
              overallRate: PROBE_RATE,
              seconds: MAX_RUN_SECONDS,
              signal: stopProbe.signal,
              expectStatus: 200,
            }),
          ]),
        );
        const [logins, probe] = result;
        assertHealthy(logins, 'login storm');
        assertHealthy(probe, 'GET /users/ during the login storm');
        return { logins, probe, peakMb };
      },
      () => waitForIdle(bindery.pid),
    );
    return [
      row(
        TITLE,
        'logins/s',
        'req/s',
        runs.map((r) => r.logins.rps),
        {
          reference: { label: 'bare + argon2', value: reference.login.rps },
          target: { on: 'median', op: '>=', value: 150 },
        },
      ),
      row(
        TITLE,
        'login p50',
        'ms',
        runs.map((r) => r.logins.p50),
        { reference: { label: 'bare + argon2', value: reference.login.p50 } },
      ),
      row(
        TITLE,
        `GET /users/ p50 meanwhile (${PROBE_RATE} req/s)`,
        'ms',
        runs.map((r) => r.probe.p50),
        {
          reference: bare(reference, 'singleP50'),
        },
      ),
      row(
        TITLE,
        `GET /users/ p99 meanwhile (${PROBE_RATE} req/s)`,
        'ms',
        runs.map((r) => r.probe.p99),
        {
          reference: bare(reference, 'singleP99'),
          target: { on: 'median', op: '<', value: 20 },
        },
      ),
      row(
        TITLE,
        'peak RSS',
        'MB',
        runs.map((r) => r.peakMb),
        { reference: bare(reference, 'peakRssMb') },
      ),
    ];
  },
};
