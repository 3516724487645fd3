import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;
interface Header {
  required?: boolean;
  schema?: Json;
  $ref?: string;
}
interface DocumentedResponse {
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: Json }>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, DocumentedResponse>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { headers?: Record<string, Header> };
}

const DOCUMENT_ID = 'bindery:openapi';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** A JSON pointer segment inside a URI fragment (RFC 6901 escapes, then percent-encoding for `{id}`). */
function pointer(...segments: string[]): string {
  return segments.map((segment) => encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');
}

/** A documented media type matches a response's type exactly or by its wildcard (`image/*`). */
function mediaTypeFor(content: Record<string, unknown>, contentType: string | undefined): string | undefined {
  const actual = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return Object.keys(content).find((type) => type === actual || (type.endsWith('/*') && actual.startsWith(type.slice(0, -1))));
}

/**
 * Checks answers of the real app against the OpenAPI document it serves: the status is documented, the
 * body matches the schema of that status and content type (ajv on the document itself, so every `$ref`
 * resolves in it), and every required header is present and matches its schema.
 */
export function contractChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (fragment: string) => {
    let validate = validators.get(fragment);
    if (!validate) validators.set(fragment, (validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${fragment}` })));
    return validate;
  };

  const operations = new Map<string, { path: string; method: string; operation: Operation }>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (HTTP_METHODS.has(method) && operation.operationId) operations.set(operation.operationId, { path, method, operation });
    }
  }

  const headerOf = (header: Header): Header => {
    const name = header.$ref?.replace('#/components/headers/', '');
    return name === undefined ? header : (document.components?.headers?.[name] ?? {});
  };

  function checkHeaders(base: string, documented: DocumentedResponse, response: LightMyRequestResponse): string[] {
    const problems: string[] = [];
    for (const [name, reference] of Object.entries(documented.headers ?? {})) {
      const header = headerOf(reference);
      const raw = response.headers[name.toLowerCase()];
      if (raw === undefined) {
        if (header.required) problems.push(`header ${name} is documented as always sent but is missing`);
        continue;
      }
      const text = String(raw);
      const type = header.schema?.type;
      const value = type === 'integer' || type === 'number' ? (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text) : text;
      const where = reference.$ref ? `/components/headers/${pointer(name)}/schema` : `${base}/headers/${pointer(name)}/schema`;
      const validate = validatorAt(where);
      if (!validate(value)) problems.push(`header ${name}: ${JSON.stringify(text)} ${ajv.errorsText(validate.errors)}`);
    }
    return problems;
  }

  function checkBody(base: string, documented: DocumentedResponse, response: LightMyRequestResponse): string[] {
    if (!documented.content) return response.rawPayload.length === 0 ? [] : [`a body was sent where none is documented: ${response.body}`];
    const contentType = response.headers['content-type'] as string | undefined;
    const mediaType = mediaTypeFor(documented.content, contentType);
    if (!mediaType) return [`content type ${contentType} is not one of ${Object.keys(documented.content).join(', ')}`];
    if (!/json/.test(mediaType)) return response.rawPayload.length > 0 ? [] : ['the body is empty'];
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [`the body is not JSON: ${response.body.slice(0, 200)}`];
    }
    const validate = validatorAt(`${base}/content/${pointer(mediaType)}/schema`);
    return validate(body)
      ? []
      : [`the body does not match the schema: ${ajv.errorsText(validate.errors)}; body ${response.body.slice(0, 300)}`];
  }

  return {
    operationIds: new Set(operations.keys()),

    /** Everything about `response` that the document does not say of `operationId`; empty when it all agrees. */
    problems(operationId: string, response: LightMyRequestResponse): string[] {
      const found = operations.get(operationId);
      if (!found) return [`${operationId} is not an operation of the document`];
      const status = String(response.statusCode);
      const documented = found.operation.responses[status];
      const label = `${operationId} (${found.method.toUpperCase()} ${found.path}) ${status}`;
      if (!documented) {
        const listed = Object.keys(found.operation.responses).join(', ');
        return [`${label}: status ${status} is not documented (documented: ${listed}); body ${response.body.slice(0, 300)}`];
      }
      const base = `/${pointer('paths', found.path, found.method, 'responses', status)}`;
      return [...checkHeaders(base, documented, response), ...checkBody(base, documented, response)].map(
        (problem) => `${label}: ${problem}`,
      );
    },
  };
}

export type ContractChecker = ReturnType<typeof contractChecker>;
