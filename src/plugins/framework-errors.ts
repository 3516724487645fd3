import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, reasonPhrase, type ErrorCode } from '../errors.js';
import type { HeadersFor } from './request-context.js';
import { sendError, toAppError } from './error-handler.js';

/**
 * Requests the router refuses before any hook runs (a path that is not valid percent-encoding, a path
 * parameter over the router's limit): Fastify gives them to `frameworkErrors`, which answers here with
 * the envelope and every usual header, exactly as the error handler would.
 */
export function frameworkErrorHandler(headersFor: HeadersFor) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    void reply.headers(headersFor(request.id));
    const appError = toAppError(error, () => false);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    void sendError(request, reply, appError);
  };
}

/** What Node's HTTP parser reports, by its error code; anything else it refuses is a plain 400. */
function codeOfClientError(code: string): ErrorCode {
  if (code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'BAD_REQUEST';
}

/**
 * Requests Node's HTTP parser refuses (headers over 16 KiB, a malformed request line, the request or
 * headers timeout): there is no request object yet, so the answer is written to the socket here, in the
 * same envelope and with the same headers as every other answer, then the connection closes.
 */
export function clientErrorHandler(headersFor: HeadersFor) {
  return function (this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
    // A reset connection has nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const code = codeOfClientError(error.code ?? '');
    const { status, message } = ERRORS[code];
    const requestId = randomUUID();
    this.log.info({ reqId: requestId, code: error.code }, 'refused a request the HTTP parser could not read');
    if (socket.writable) {
      const body = JSON.stringify({ message, data: null, error: reasonPhrase(status), code, request_id: requestId });
      const headers = {
        ...headersFor(requestId),
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        connection: 'close',
      };
      const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(`HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n${head.join('')}\r\n${body}`);
    }
    socket.destroy();
  };
}
