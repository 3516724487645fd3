import type { TrustProxy } from '../config.js';

type TrustProxyOption = false | string[] | ((address: string, hop: number) => boolean);

/**
 * Fastify's `trustProxy` for TRUST_PROXY. A hop count becomes a function: Fastify reads a numeric
 * `trustProxy` as "trust nothing". Hop 0 is the socket's peer (the nearest proxy), so with one hop the
 * client is the rightmost X-Forwarded-For entry, the one that proxy appended; entries further left were
 * written by the client and cannot choose its address. `request.ip` (throttling, sessions, audit) and
 * the X-Forwarded-Proto and -Host of a trusted peer all follow from this.
 */
export function trustProxyOption(trust: TrustProxy): TrustProxyOption {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}
