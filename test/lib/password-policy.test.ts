import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preloadPasswordList } from '../../src/modules/identity/common-passwords.js';
import { checkPassword } from '../../src/modules/identity/policy.js';

const TOO_COMMON = 'is too common; choose a less predictable password';

// Pads a known-good mix to an exact length in code points.
function ofLength(n: number): string {
  return 'Aa1!'.padEnd(n, 'x');
}

void test('length is counted in code points and bounded to 8..128', () => {
  assert.deepEqual(checkPassword(ofLength(7)), ['must be at least 8 characters']);
  assert.deepEqual(checkPassword(ofLength(8)), []);
  assert.deepEqual(checkPassword(ofLength(128)), []);
  assert.deepEqual(checkPassword(ofLength(129)), ['must be at most 128 characters']);
  // Four astral emoji are 8 UTF-16 units but only 4 characters.
  assert.deepEqual(checkPassword('Aa1😀😀😀😀'), ['must be at least 8 characters']);
  assert.deepEqual(checkPassword('Aa1😀😀😀😀😀'), []);
});

void test('each missing character class is reported', () => {
  assert.deepEqual(checkPassword('vexing-otter-73'), ['must contain an upper-case letter']);
  assert.deepEqual(checkPassword('VEXING-OTTER-73'), ['must contain a lower-case letter']);
  assert.deepEqual(checkPassword('Vexing-Otter-Ok'), ['must contain a digit']);
  assert.deepEqual(checkPassword('VexingOtter73'), ['must contain a special character']);
  assert.deepEqual(checkPassword(''), [
    'must be at least 8 characters',
    'must contain an upper-case letter',
    'must contain a lower-case letter',
    'must contain a digit',
    'must contain a special character',
  ]);
});

void test('character classes are Unicode-aware', () => {
  assert.deepEqual(checkPassword('Ölfass-überall-7'), []);
  assert.deepEqual(checkPassword('Ölfass-Überall-٧'), []);
  assert.ok(checkPassword('ölfass-überall-7').includes('must contain an upper-case letter'));
  assert.ok(checkPassword('Ölfassüberall٧').includes('must contain a special character'));
});

void test('common passwords and their obvious variants are refused', () => {
  for (const pw of [
    'password',
    'Password1!',
    'PASSWORD1!',
    'P@ssw0rd1',
    'P@$$w0rd!',
    'Qwerty123!',
    'Iloveyou1!',
    '!!Iloveyou2024',
    'Tru5tn01!',
    'Trustno1!',
    '$ecret123',
    'L3tm3in!99',
    'Dragon#2024',
    'M0nk3y$!',
  ]) {
    assert.ok(checkPassword(pw).includes(TOO_COMMON), `${pw} should be refused as common`);
  }
});

void test('a common password is refused even when it meets every other rule', () => {
  assert.deepEqual(checkPassword('Password1!'), [TOO_COMMON]);
  assert.deepEqual(checkPassword('P@ssw0rd1'), [TOO_COMMON]);
});

void test('strong passwords and passphrases are accepted', () => {
  preloadPasswordList();
  for (const pw of [
    'Correct-Horse-Battery-9',
    'Tr1cky-Lantern-42',
    'Blue$kyPurpleRain7',
    'Password-Is-Not-My-Thing-8',
    'x7#Qv!2pLm@9wZ',
    'Mañana-Café-2031',
  ]) {
    assert.deepEqual(checkPassword(pw), [], `${pw} should be accepted`);
  }
});
