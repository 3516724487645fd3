import { AppError } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';

export interface ThrottleSettings {
  /** Failures an account may make before delays start. */
  accountFreeFailures: number;
  accountBaseDelayMs: number;
  accountMaxDelayMs: number;
  /** Failures one client IP may make per window. */
  ipFailures: number;
  ipWindowMs: number;
  /** Accounts one client IP may register per window. */
  registrations: number;
  registrationWindowMs: number;
  /** Refreshes one session may make per window. */
  refreshes: number;
  refreshWindowMs: number;
}

interface Counter {
  count: number;
  /** Start of the fixed window, or the time of the last failure for accounts. */
  since: number;
}

/** A failed attempt is forgotten after this long without another, whatever the policy. */
const FORGET_AFTER_MS = 24 * 60 * 60_000;
const PRUNE_ABOVE = 50_000;

function tooMany(retryAfterMs: number): AppError {
  return new AppError('TOO_MANY_REQUESTS', { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } });
}

/**
 * Brute-force and abuse throttling, kept in process (right for a single instance).
 * Accounts get growing delays, never a permanent lockout, which would let anyone lock anyone out.
 * Keys for accounts are the normalised email, known or not, so a 429 reveals nothing.
 */
export function createThrottle(clock: Clock, settings: ThrottleSettings) {
  const counters = new Map<string, Counter>();

  function prune(now: number): void {
    if (counters.size < PRUNE_ABOVE) return;
    for (const [key, counter] of counters) if (now - counter.since > FORGET_AFTER_MS) counters.delete(key);
  }

  function accountDelayMs(failures: number): number {
    const over = failures - settings.accountFreeFailures;
    if (over <= 0) return 0;
    return Math.min(settings.accountBaseDelayMs * 2 ** (over - 1), settings.accountMaxDelayMs);
  }

  /** Fixed-window counter: how long until the window ends once `limit` is used up, else 0. */
  function windowWait(key: string, limit: number, windowMs: number, now: number): number {
    const counter = counters.get(key);
    if (!counter || now - counter.since >= windowMs || counter.count < limit) return 0;
    return counter.since + windowMs - now;
  }

  function windowHit(key: string, windowMs: number, now: number): void {
    const counter = counters.get(key);
    if (!counter || now - counter.since >= windowMs) counters.set(key, { count: 1, since: now });
    else counter.count += 1;
  }

  return {
    /** Throws 429 while the account or the IP must wait, even before the password is checked. */
    assertLoginAllowed(account: string, ip: string): void {
      const now = clock.now().getTime();
      const failures = counters.get(`account:${account}`);
      const accountWait = failures && now - failures.since < FORGET_AFTER_MS ? failures.since + accountDelayMs(failures.count) - now : 0;
      const ipWait = windowWait(`login-ip:${ip}`, settings.ipFailures, settings.ipWindowMs, now);
      const wait = Math.max(accountWait, ipWait);
      if (wait > 0) throw tooMany(wait);
    },

    recordLoginFailure(account: string, ip: string): void {
      const now = clock.now().getTime();
      prune(now);
      const key = `account:${account}`;
      const failures = counters.get(key);
      const stale = !failures || now - failures.since >= FORGET_AFTER_MS;
      counters.set(key, { count: stale ? 1 : failures.count + 1, since: now });
      windowHit(`login-ip:${ip}`, settings.ipWindowMs, now);
    },

    /** A success resets the account's counter; the IP's window runs on. */
    recordLoginSuccess(account: string): void {
      counters.delete(`account:${account}`);
    },

    takeRegistration(ip: string): void {
      const now = clock.now().getTime();
      const wait = windowWait(`register:${ip}`, settings.registrations, settings.registrationWindowMs, now);
      if (wait > 0) throw tooMany(wait);
      windowHit(`register:${ip}`, settings.registrationWindowMs, now);
    },

    takeRefresh(sessionId: string): void {
      const now = clock.now().getTime();
      const wait = windowWait(`refresh:${sessionId}`, settings.refreshes, settings.refreshWindowMs, now);
      if (wait > 0) throw tooMany(wait);
      windowHit(`refresh:${sessionId}`, settings.refreshWindowMs, now);
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
