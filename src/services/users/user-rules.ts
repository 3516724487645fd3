import type { FieldIssue } from '../../errors.js';
import { checkPassword } from '../../lib/password-policy.js';

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

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkNewPassword(password: string, field = 'password'): FieldIssue[] {
  return checkPassword(password).map((message) => ({ field, message }));
}
