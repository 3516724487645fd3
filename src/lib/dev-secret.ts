import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, isStrongSecret, type Config } from '../config.js';

/**
 * Outside production a missing SECRET_KEY is generated once into the data directory,
 * readable only by its owner, so a development start needs no setup and restarts keep tokens valid.
 */
export function withSecretKey(config: Config): Config & { secretKey: string } {
  if (config.secretKey !== undefined) return { ...config, secretKey: config.secretKey };
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = join(config.dataDir, 'secret-key');
  try {
    writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(file, 0o600);
  const secretKey = readFileSync(file, 'utf8').trim();
  if (!isStrongSecret(secretKey)) throw new ConfigError(`${file} does not hold a strong secret; delete it to generate a new one`);
  return { ...config, secretKey };
}
