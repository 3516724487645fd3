import { test } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import {
  DAY,
  SECOND,
  assertAccepted,
  assertRefreshRefused,
  assertRefused,
  login,
  refreshed,
  register,
  type Pair,
} from '../helpers/identity.js';

test('ASVS 3.3.2: idle timeout: a session unused for 7 days cannot be refreshed', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const session = await login(app, account);

  clock.advance(7 * DAY - SECOND);
  const pair = await refreshed(app, session.refreshToken, 'a refresh just before the idle timeout');
  await assertAccepted(app, pair.token, account.id, 'just before');

  clock.advance(7 * DAY);
  await assertRefreshRefused(app, pair.refreshToken, '7 days after the last refresh');
});

test('ASVS 3.3.2: absolute lifetime: refreshing every 6 days still ends the session at 30 days', async (t) => {
  const { app, clock } = await buildTestApp(t);
  const account = await register(app);
  const session = await login(app, account);

  let pair: Pair = session;
  for (let day = 6; day <= 24; day += 6) {
    clock.advance(6 * DAY);
    pair = await refreshed(app, pair.refreshToken, `day ${day}`);
    await assertAccepted(app, pair.token, account.id, `day ${day}`);
  }
  clock.advance(6 * DAY - SECOND);
  pair = await refreshed(app, pair.refreshToken, 'a second before day 30');
  await assertAccepted(app, pair.token, account.id, 'a second before day 30');

  clock.advance(SECOND);
  await assertRefreshRefused(app, pair.refreshToken, 'day 30');
  await assertRefused(app, pair.token, 'an access token of the session, though its own exp is later');
});
