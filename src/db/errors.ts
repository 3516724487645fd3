/** Recognises driver errors by their documented codes, so callers never parse messages. */

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  'SQLITE_BUSY',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const candidate = error as { code?: unknown; message?: unknown } | null;
  if (typeof candidate?.code === 'string' && UNAVAILABLE_CODES.has(candidate.code)) return true;
  const message = typeof candidate?.message === 'string' ? candidate.message : '';
  // pg raises these without a code: a lost connection, a query on a client whose connection was lost
  // (a transaction's ROLLBACK after its server went away), the query timeout and the pool's connect timeout.
  return /Connection terminated|is not queryable|Query read timeout|timeout exceeded when trying to connect/.test(message);
}
