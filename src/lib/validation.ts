import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from 'typebox';
import { AppError, type FieldIssue } from '../errors.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function createAjv(coerceTypes: boolean): Ajv {
  // Unknown fields must be refused, never silently dropped: removeAdditional stays off.
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes, strict: false });
  addFormats(ajv);
  return ajv;
}

/** JSON bodies keep their types; query strings, params and form fields arrive as text and are coerced. */
export const strictAjv = createAjv(false);
export const coercingAjv = createAjv(true);

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const child = params.missingProperty ?? params.additionalProperty;
  if (child) return path ? `${path}.${child}` : child;
  return path || '(body)';
}

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return 'is not an allowed field';
  if (error.keyword === 'required') return 'is required';
  return error.message ?? 'is not valid';
}

export function toFieldIssues(errors: readonly ErrorObject[]): FieldIssue[] {
  return errors.map((error) => ({ field: fieldOf(error), message: messageOf(error) }));
}

const NUL = '\u0000';

/**
 * Every string in `value` (an object, an array, a string) that holds a NUL character, by field path.
 * NUL is refused in every text that comes in: PostgreSQL cannot store it in text and fails the query,
 * and no name, title, search or id of ours has a use for it. Iterative, so a deeply nested body
 * cannot exhaust the stack.
 */
export function nulByteIssues(value: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const pending: [unknown, string][] = [[value, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === 'string') {
      if (item.includes(NUL)) issues.push({ field: path || '(body)', message: 'must not contain a NUL character' });
    } else if (typeof item === 'object' && item !== null) {
      // Pushed last to first, so fields are reported in their order.
      for (const [key, inner] of Object.entries(item).reverse()) pending.push([inner, path ? `${path}.${key}` : key]);
    }
  }
  return issues;
}

/** Compiles a schema once and returns a guard that throws VALIDATION_FAILED with field details. */
export function compileGuard<T>(schema: TSchema, ajv: Ajv = coercingAjv): (value: unknown) => T {
  const validate = ajv.compile(schema);
  return (value) => {
    const nulBytes = nulByteIssues(value);
    if (nulBytes.length > 0) throw AppError.validation(nulBytes);
    if (!validate(value)) throw AppError.validation(toFieldIssues(validate.errors ?? []));
    return value as T;
  };
}
