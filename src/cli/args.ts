import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `--name value` options of one command, refusing anything it does not know. */
export function parseOptions<T extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false })
      .values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function required(value: string | boolean | undefined, name: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** Reads a secret from standard input (piped), so it never appears in the shell history or `ps`. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('pipe the password on standard input, e.g. `printf %s "$PW" | bindery user:create …`');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
