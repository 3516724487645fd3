import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id; the package's enum is a const enum that isolated modules cannot read.
const ARGON2ID = 2;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, t=2, p=1. */
export const OWASP_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** argon2id on libuv's thread pool: hashing never blocks the event loop. */
export function createArgon2Hasher(params: Argon2Params = OWASP_ARGON2): PasswordHasher {
  const options = { algorithm: ARGON2ID, ...params };
  return {
    hash: (password) => hash(password, options),
    async verify(encoded, password) {
      try {
        return await verify(encoded, password);
      } catch {
        return false;
      }
    },
  };
}
