import { isIPv6 } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

// A DNS label (underscores too: container and service names use them), or an IPv4 address, which fits it.
const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);
const PORT = /^\d{1,5}$/;

/** `host[:port]` as RFC 9110 §7.2 allows it for an http(s) URL: a name, an IPv4 address or a [IPv6] literal. */
export function isValidHost(value: string): boolean {
  let port: string | undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0 || !isIPv6(value.slice(1, end))) return false;
    const rest = value.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return false;
    port = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = value.indexOf(':');
    const name = colon < 0 ? value : value.slice(0, colon);
    port = colon < 0 ? undefined : value.slice(colon + 1);
    if (name.length > 253 || !HOST_NAME.test(name)) return false;
  }
  return port === undefined || (PORT.test(port) && Number(port) <= 65535);
}

/**
 * Without PUBLIC_URL, absolute URLs are built from the request's origin: the Host header (or, from a
 * trusted proxy, X-Forwarded-Host and -Proto). Whatever could not be a host and port is refused for every
 * request, so it never reaches a URL, a log line or a cache key. A request without a Host (HTTP/1.0) has
 * nothing to check.
 */
export function registerHostCheck(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const host = request.host;
    if (host !== '' && !isValidHost(host)) {
      return done(new AppError('BAD_REQUEST', { message: 'The Host header is not a valid host and port' }));
    }
    if (!/^https?$/i.test(request.protocol)) {
      return done(new AppError('BAD_REQUEST', { message: 'The forwarded protocol is not http or https' }));
    }
    done();
  });
}
