import { AppError } from '../../../errors.js';
import type { Clock } from '../../../lib/clock.js';
import { accountDelayMs, FORGET_FAILURES_AFTER_MS, type ThrottleSettings } from '../policy.js';
import type { Limit, ThrottleStore } from './throttle-store.js';

function tooMany(retryAfterMs: number): AppError {
  return new AppError('TOO_MANY_REQUESTS', { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } });
}

/** The delay before each attempt after n failures in a row, up to where it stops growing. */
function delaySchedule(settings: ThrottleSettings): number[] {
  const delays = [accountDelayMs(0, settings)];
  while (delays.length <= settings.accountFreeFailures || (delays.at(-1) ?? 0) < settings.accountMaxDelayMs) {
    delays.push(accountDelayMs(delays.length, settings));
  }
  return delays;
}

/** A password check that was let through: settle it with its outcome (a wrong password needs nothing). */
export interface LoginAttempt {
  /** The password was right: this client's run of failures is forgotten, and its hits are given back. */
  succeeded(): Promise<void>;
  /** No password was checked (the server was too busy): the hit is given back, the run goes on. */
  abandoned(): Promise<void>;
}

/**
 * Brute-force and abuse throttling. The counters live in `store`: in process for a single instance,
 * in Redis when several instances must share them. The windows and delays are policy.ts's.
 *
 * A login attempt is counted as a failure before its password is checked (reserve), and given back
 * when it succeeds (settle), so of a burst of parallel guesses no more get through than the limits
 * allow. The growing delay is keyed on the account and the client together, so one client's failures
 * never lock the owner out from elsewhere; a much higher ceiling on the account over every client
 * still slows a distributed attack. Keys for accounts are the normalised email, known or not, so a
 * 429 reveals nothing.
 */
export function createThrottle(clock: Clock, settings: ThrottleSettings, store: ThrottleStore) {
  const delaysMs = delaySchedule(settings);

  function loginLimits(account: string, ip: string): Limit[] {
    return [
      { kind: 'backoff', key: `login:${ip}|${account}`, delaysMs, forgetMs: FORGET_FAILURES_AFTER_MS },
      { kind: 'window', key: `login-ip:${ip}`, limit: settings.ipFailures, windowMs: settings.ipWindowMs },
      { kind: 'window', key: `login-account:${account}`, limit: settings.accountFailures, windowMs: settings.accountFailuresWindowMs },
    ];
  }

  async function reserve(limits: Limit[]): Promise<void> {
    const now = clock.now().getTime();
    const wait = await store.reserve(limits, now);
    if (wait > 0) throw tooMany(wait);
  }

  return {
    /** Counts an attempt as a failure before the password is checked; throws 429 while it must wait. */
    async reserveLogin(account: string, ip: string): Promise<LoginAttempt> {
      const limits = loginLimits(account, ip);
      await reserve(limits);
      return {
        succeeded: () => store.release(limits, clock.now().getTime(), true),
        abandoned: () => store.release(limits, clock.now().getTime(), false),
      };
    },

    takeRegistration(ip: string): Promise<void> {
      return reserve([{ kind: 'window', key: `register:${ip}`, limit: settings.registrations, windowMs: settings.registrationWindowMs }]);
    },

    takeRefresh(sessionId: string): Promise<void> {
      return reserve([{ kind: 'window', key: `refresh:${sessionId}`, limit: settings.refreshes, windowMs: settings.refreshWindowMs }]);
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
