import type { UserRow } from './users-repository.js';

/** An account as the identity module hands it out; routes present it, never store it. */
export type Account = UserRow;

/** Who is calling, for sessions and the audit trail: the one client IP (see TRUST_PROXY) and user agent. */
export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

/** The account and session behind a verified access token. */
export interface Principal {
  user: Account;
  sessionId: string;
}

export interface TokenPair {
  token: string;
  refreshToken: string;
  expiresIn: number;
}
