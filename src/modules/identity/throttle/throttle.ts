import { AppError } from '../../../errors.js';
import type { Clock } from '../../../lib/clock.js';
import { accountDelayMs, FORGET_FAILURES_AFTER_MS, type ThrottleSettings } from '../policy.js';
import type { Counter, ThrottleStore } from './throttle-store.js';

function tooMany(retryAfterMs: number): AppError {
  return new AppError('TOO_MANY_REQUESTS', { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } });
}

/**
 * Brute-force and abuse throttling. The counters live in `store`: in process for a single instance,
 * in Redis when several instances must share them.
 * The windows and delays are policy.ts's; this file only applies them to the counters.
 * Keys for accounts are the normalised email, known or not, so a 429 reveals nothing.
 */
export function createThrottle(clock: Clock, settings: ThrottleSettings, store: ThrottleStore) {
  /** Fixed window: how long until the window ends once `limit` is used up, else 0. */
  function windowWait(counter: Counter | undefined, limit: number, windowMs: number, now: number): number {
    if (!counter || now - counter.since >= windowMs || counter.count < limit) return 0;
    return counter.since + windowMs - now;
  }

  async function take(key: string, limit: number, windowMs: number): Promise<void> {
    const now = clock.now().getTime();
    const { taken, counter } = await store.take(key, limit, windowMs, now);
    if (!taken) throw tooMany(counter.since + windowMs - now);
  }

  return {
    /** Throws 429 while the account or the IP must wait, even before the password is checked. */
    async assertLoginAllowed(account: string, ip: string): Promise<void> {
      const now = clock.now().getTime();
      const [failures, ipFailures] = await Promise.all([store.get(`account:${account}`), store.get(`login-ip:${ip}`)]);
      const accountWait = failures && now - failures.since < FORGET_FAILURES_AFTER_MS ? failures.since + accountDelayMs(failures.count, settings) - now : 0;
      const ipWait = windowWait(ipFailures, settings.ipFailures, settings.ipWindowMs, now);
      const wait = Math.max(accountWait, ipWait);
      if (wait > 0) throw tooMany(wait);
    },

    async recordLoginFailure(account: string, ip: string): Promise<void> {
      const now = clock.now().getTime();
      // A full IP window needs no further counting: assertLoginAllowed already refuses it.
      await Promise.all([
        store.bump(`account:${account}`, FORGET_FAILURES_AFTER_MS, now),
        store.take(`login-ip:${ip}`, settings.ipFailures, settings.ipWindowMs, now),
      ]);
    },

    /** A success resets the account's counter; the IP's window runs on. */
    async recordLoginSuccess(account: string): Promise<void> {
      await store.delete(`account:${account}`);
    },

    takeRegistration(ip: string): Promise<void> {
      return take(`register:${ip}`, settings.registrations, settings.registrationWindowMs);
    },

    takeRefresh(sessionId: string): Promise<void> {
      return take(`refresh:${sessionId}`, settings.refreshes, settings.refreshWindowMs);
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
