import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../errors.js';
import { createGate, GateFullError } from './gate.js';

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

export interface HashingLimits {
  /** Hashes computed at once. Each takes a whole core for tens of milliseconds. */
  concurrency: number;
  /** Hashes allowed to wait; past that a login gets 503 at once instead of a long wait. */
  maxWaiting: number;
}

/**
 * argon2id on libuv's thread pool, so hashing never runs on the event loop. Left alone, a login
 * storm would keep every core busy hashing and starve the event loop all the same; the gate keeps
 * hashing to `concurrency` threads (by default one core fewer than the machine has), so reads
 * stay fast while logins queue.
 */
export function createArgon2Hasher(
  params: Argon2Params = OWASP_ARGON2,
  limits: HashingLimits = { concurrency: Infinity, maxWaiting: 0 },
): PasswordHasher {
  const options = { algorithm: ARGON2ID, ...params };
  const gate = createGate(limits.concurrency, limits.maxWaiting);
  async function gated<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await gate.run(task);
    } catch (error) {
      if (error instanceof GateFullError) throw new AppError('SERVER_BUSY', { headers: { 'retry-after': '1' } });
      throw error;
    }
  }
  return {
    hash: (password) => gated(() => hash(password, options)),
    verify: (encoded, password) => gated(() => verify(encoded, password).catch(() => false)),
  };
}
