/**
 * The identity rules a newcomer looks for, in one place: what a name and a password must be, when a
 * session is live, and how the brute-force throttle counts. The numbers that are configurable come
 * from the environment (see config.ts); the rules that use them live here.
 */
import type { FieldIssue } from '../../errors.js';
import { isCommonPassword, LEET } from './common-passwords.js';

// ---------------------------------------------------------------------------------------- names --

const MIN_WORDS = 2;
const MAX_WORDS = 30;
// A word is letters (any script, with their combining marks), joined by apostrophes, hyphens or periods.
const WORD = /^[\p{L}\p{M}]+(?:['’.-][\p{L}\p{M}]*)*$/u;

/** Trims and folds inner white space, so "  Ada   Lovelace " is stored as "Ada Lovelace". */
export function normalizeName(name: string): string {
  return name.normalize('NFC').trim().split(/\s+/u).join(' ');
}

export function checkName(name: string): FieldIssue[] {
  const words = name ? name.split(' ') : [];
  if (words.length < MIN_WORDS || words.length > MAX_WORDS) {
    return [{ field: 'name', message: `must have ${MIN_WORDS} to ${MAX_WORDS} words` }];
  }
  if (!words.every((word) => WORD.test(word))) {
    return [{ field: 'name', message: 'must contain only letters, apostrophes, hyphens and periods' }];
  }
  return [];
}

/** checkName's rule in words, for the API document. */
export const NAME_RULES = `${MIN_WORDS} to ${MAX_WORDS} words of letters, which apostrophes, hyphens and periods may join; white space is trimmed and folded`;

/** Emails are unique regardless of case: this is the key they are stored and compared by. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// ------------------------------------------------------------------------------------ passwords --

const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 128;
/** Words of the account shorter than this are too common inside other words to refuse ("Ada" in "Canada"). */
const MIN_CONTEXT_WORD = 4;
const SERVICE_NAME = 'bindery';
const LOOKALIKES: Readonly<Record<string, string>> = { ...LEET, '|': 'l' };

/** Who the password belongs to: a password built on these is the first thing an attacker tries (ASVS 6.2.11). */
export interface PasswordContext {
  name: string;
  email: string;
}

function contextWords(context: PasswordContext): string[] {
  const [local = '', domain = ''] = context.email.toLowerCase().split('@');
  const words = [
    ...context.name.toLowerCase().split(/[^\p{L}\p{Nd}]+/u),
    local,
    ...local.split(/[^\p{L}\p{Nd}]+/u),
    domain.split('.')[0] ?? '',
    SERVICE_NAME,
  ];
  return [...new Set(words.filter((word) => [...word].length >= MIN_CONTEXT_WORD))];
}

/** The password in lower case, with look-alike digits and symbols read as letters (`1` both as i and as l). */
function spellings(password: string): string[] {
  const lower = password.toLowerCase();
  const asLetters = (one: string) => [...lower].map((ch) => (ch === '1' ? one : (LOOKALIKES[ch] ?? ch))).join('');
  return [lower, asLetters('i'), asLetters('l')];
}

function isBuiltOnContext(password: string, context: PasswordContext): boolean {
  const words = contextWords(context);
  return spellings(password).some((spelling) => words.some((word) => spelling.includes(word)));
}

/** The problems with a new password as plain sentences; empty when it is acceptable. */
export function checkPassword(password: string, context?: PasswordContext): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) problems.push(`must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) problems.push(`must be at most ${MAX_PASSWORD_LENGTH} characters`);
  if (!/\p{Lu}/u.test(password)) problems.push('must contain an upper-case letter');
  if (!/\p{Ll}/u.test(password)) problems.push('must contain a lower-case letter');
  if (!/\p{Nd}/u.test(password)) problems.push('must contain a digit');
  if (!/[^\p{L}\p{Nd}]/u.test(password)) problems.push('must contain a special character');
  // Over-long input is already refused; skipping it keeps the variant search bounded.
  if (length <= MAX_PASSWORD_LENGTH && isCommonPassword(password)) {
    problems.push('is too common; choose a less predictable password');
  }
  if (length <= MAX_PASSWORD_LENGTH && context && isBuiltOnContext(password, context)) {
    problems.push('must not contain your name, your e-mail address or the name of this service');
  }
  return problems;
}

export function checkNewPassword(password: string, context: PasswordContext, field = 'password'): FieldIssue[] {
  return checkPassword(password, context).map((message) => ({ field, message }));
}

/** checkPassword's rule in words, for the API document. */
export const PASSWORD_RULES =
  `${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, with an upper-case letter, a lower-case letter, a digit and a special ` +
  'character; not one of the 10,000 most common passwords or an obvious variant of one; and containing no word of ' +
  `${MIN_CONTEXT_WORD} or more characters from the account's name or e-mail address, nor "${SERVICE_NAME}" ` +
  '(look-alike digits and symbols read as letters)';

// ------------------------------------------------------------------------------------- sessions --

export interface SessionSettings {
  /** A session ends this long after its last refresh. */
  idleTimeoutMs: number;
  /** A session ends this long after its login, whatever its activity. */
  absoluteLifetimeMs: number;
  /** Several tabs refreshing with one token at once must not log the user out. */
  reuseGraceMs: number;
}

/** What liveness is judged by; ISO-8601 UTC strings, which compare in time order as text. */
export interface SessionTimes {
  revoked_at: string | null;
  expires_at: string;
  last_used_at: string;
}

/** The instants a session must be later than to be live at `now`: one rule for memory and for SQL. */
export interface LivenessBounds {
  /** `expires_at` must be after this. */
  now: string;
  /** `last_used_at` must be after this. */
  idleSince: string;
}

export function livenessBounds(now: Date, settings: SessionSettings): LivenessBounds {
  return { now: now.toISOString(), idleSince: new Date(now.getTime() - settings.idleTimeoutMs).toISOString() };
}

/** One condition of liveness, on a column of the session, as both memory and SQL evaluate it. */
export type LivenessCondition = readonly [column: keyof SessionTimes, operator: 'is' | '>', value: string | null];

/**
 * A session is live when it is not revoked, not past its end, and not idle too long. This list is the
 * rule: `isSessionLive` evaluates it in memory and the sessions repository turns it into the query.
 */
export function liveSessionConditions(bounds: LivenessBounds): LivenessCondition[] {
  return [
    ['revoked_at', 'is', null],
    ['expires_at', '>', bounds.now],
    ['last_used_at', '>', bounds.idleSince],
  ];
}

export function isSessionLive(session: SessionTimes, bounds: LivenessBounds): boolean {
  return liveSessionConditions(bounds).every(([column, operator, value]) => {
    const actual = session[column];
    return operator === 'is' ? actual === value : actual !== null && value !== null && actual > value;
  });
}

/** The instant (epoch ms) a live session stops being live if nothing happens to it. */
export function sessionEndsAt(session: SessionTimes, settings: SessionSettings): number {
  return Math.min(Date.parse(session.expires_at), Date.parse(session.last_used_at) + settings.idleTimeoutMs);
}

// ------------------------------------------------------------------------------------- throttle --

export interface ThrottleSettings {
  /** Failures an account may make before delays start. */
  accountFreeFailures: number;
  accountBaseDelayMs: number;
  accountMaxDelayMs: number;
  /** Failures one client IP may make per window, whichever accounts they are for. */
  ipFailures: number;
  ipWindowMs: number;
  /** Failures one account may take per window from every client together: the ceiling on a distributed attack. */
  accountFailures: number;
  accountFailuresWindowMs: number;
  /** Accounts one client IP may register per window. */
  registrations: number;
  registrationWindowMs: number;
  /** Refreshes one session may make per window. */
  refreshes: number;
  refreshWindowMs: number;
}

/** A failed attempt is forgotten after this long without another, whatever the settings. */
export const FORGET_FAILURES_AFTER_MS = 24 * 60 * 60_000;

/**
 * The delay before the next login attempt of one client on one account after `failures` failures in a
 * row: none while they are within the free ones, then doubling from the base up to the maximum. Never a
 * permanent lockout, which would let anyone lock anyone out.
 */
export function accountDelayMs(failures: number, settings: ThrottleSettings): number {
  if (failures < settings.accountFreeFailures) return 0;
  return Math.min(settings.accountBaseDelayMs * 2 ** (failures - settings.accountFreeFailures), settings.accountMaxDelayMs);
}
