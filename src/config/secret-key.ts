import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';

const MIN_SECRET_LENGTH = 32;

/** A secret is strong when it is long and not a repeated or trivially patterned string. */
export function isStrongSecret(secret: string): boolean {
  return secret.length >= MIN_SECRET_LENGTH && new Set(secret).size >= 10 && !/^(.+?)\1+$/s.test(secret);
}

/** Refuses a weak SECRET_KEY in any environment, before anything else is checked across variables. */
export function checkGivenSecret(secret: string | undefined): void {
  if (secret !== undefined && !isStrongSecret(secret)) {
    throw new ConfigError(`Invalid configuration: SECRET_KEY must be at least ${MIN_SECRET_LENGTH} characters of varied content`);
  }
}

/**
 * The secret to use: SECRET_KEY when given; required in production; elsewhere generated once into
 * `dataDir/secret-key`, readable only by its owner, so a development start needs no setup and
 * restarts keep tokens valid.
 */
export function resolveSecretKey(given: string | undefined, production: boolean, dataDir: string): string {
  if (given !== undefined) return given;
  if (production) throw new ConfigError('Invalid configuration: SECRET_KEY is required when NODE_ENV=production');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'secret-key');
  try {
    writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  // An empty file (a write cut short by a full disk, say) would otherwise seal the signing keys under HKDF("").
  if (!isStrongSecret(secret)) throw new ConfigError(`${file} does not hold a strong secret; delete it to generate a new one`);
  return secret;
}
