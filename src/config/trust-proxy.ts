import { isIP } from 'node:net';
import { ConfigError } from './config-error.js';

/**
 * Which proxies in front of Bindery are trusted to say who the client is: none (`false`), the nearest
 * `hops` (a number: the client is the address `hops` entries from the right of X-Forwarded-For, the
 * socket's peer counting as the first), or the proxies at these addresses and CIDRs.
 */
export type TrustProxy = false | number | readonly string[];

/** Named ranges that proxy-addr (Fastify's trust-proxy engine) knows. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

const MAX_HOPS = 100;

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const EXPECTED = 'true, false, a number of proxy hops, or a comma-separated list of proxy addresses and CIDRs';

/**
 * TRUST_PROXY as written: `true` is exactly one trusted hop (the proxy in front appends the client's
 * address; anything left of it was written by the client and is ignored). Never echoes the value.
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (value === 'false' || value === '0') return false;
  if (value === 'true') return 1;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_HOPS) throw new ConfigError(`Invalid configuration: TRUST_PROXY must be at most ${MAX_HOPS} hops`);
    return hops;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.findIndex((entry) => !isAddressOrCidr(entry));
  if (bad >= 0) {
    throw new ConfigError(`Invalid configuration: TRUST_PROXY must be ${EXPECTED} (entry ${bad + 1} is neither an address nor a CIDR)`);
  }
  return Object.freeze(entries);
}
