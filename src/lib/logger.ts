import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import type { FastifyServerOptions } from 'fastify';

/** Paths pino replaces with "[Redacted]": credentials must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.refresh_token',
];

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** JSON lines for machines; pretty output only for a person at a terminal (and only if installed). */
export function loggerOptions(level: string, stream?: Writable): FastifyServerOptions['logger'] {
  const base = { level, redact: REDACTED_PATHS };
  if (stream) return { ...base, stream };
  if (process.stdout.isTTY && prettyAvailable()) return { ...base, transport: { target: 'pino-pretty' } };
  return base;
}
