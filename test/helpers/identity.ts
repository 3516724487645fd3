/**
 * Accounts, logins, token pairs and sessions through HTTP: the vocabulary of the identity tests,
 * written once. Every helper asserts the status it needs, so a failing setup names itself.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/database.js';
import { errorOf, json, newUser, type Response, type Session } from './app.js';

export type Json = Record<string, unknown>;

export const SECOND = 1000;
export const DAY = 24 * 3600 * SECOND;
/** How long the parent of a fresh refresh token may still be presented without counting as a reuse. */
export const GRACE_MS = 10 * SECOND;
export const ACCESS_TTL_MS = 900 * SECOND;
export const WRONG_PASSWORD = 'Wr0ng-Password-99';

/** RFC 6750 §3.1: `error="invalid_token"` only when a token was presented. */
const INVALID_TOKEN = 'Bearer realm="bindery", error="invalid_token"';
const NO_CREDENTIALS = 'Bearer realm="bindery"';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The decoded header or payload of a compact JWS, unverified. */
function decodePart(token: string, index: 0 | 1): Json {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString()) as Json;
}
export const headerOf = (token: string) => decodePart(token, 0);
export const claimsOf = (token: string) => decodePart(token, 1);
export const sidOf = (token: string) => claimsOf(token).sid as string;
export const kidOf = (token: string) => headerOf(token).kid as string;

export interface Account {
  id: string;
  email: string;
  password: string;
}

/** Registers a fresh user (a valid, unique body unless overridden) and returns its credentials. */
export async function register(app: FastifyInstance, overrides: Json = {}): Promise<Account> {
  const body = newUser(overrides);
  const response = await app.inject({ method: 'POST', url: '/users/', payload: body });
  assert.equal(response.statusCode, 201, `register: ${response.body}`);
  return { id: json<{ data: { _id: string } }>(response).data._id, email: body.email, password: body.password };
}

export interface Pair {
  token: string;
  refreshToken: string;
}

/** One session: its token pair, and the same login as a Session for the helpers that take one. */
export interface Login extends Pair, Session {
  userId: string;
  sessionId: string;
}

/** One login (and only a login: no registration), which must succeed. */
export async function login(
  app: FastifyInstance,
  account: Pick<Account, 'email' | 'password'>,
  headers: Record<string, string> = {},
): Promise<Login> {
  const response = await app.inject({
    method: 'POST',
    url: '/users/login',
    headers,
    payload: { email: account.email, password: account.password },
  });
  assert.equal(response.statusCode, 200, `login: ${response.body}`);
  const data = json<{ data: Session['user'] & { token: string; refresh_token: string } }>(response).data;
  return {
    userId: data._id,
    user: data,
    password: account.password,
    token: data.token,
    refreshToken: data.refresh_token,
    sessionId: sidOf(data.token),
    auth: bearer(data.token),
  };
}

export function refresh(app: FastifyInstance, refreshToken: string, headers: Record<string, string> = {}): Promise<Response> {
  return app.inject({ method: 'POST', url: '/users/token/refresh', headers, payload: { refresh_token: refreshToken } });
}

/** The pair a 200 refresh handed out, after checking the envelope. */
export function pairOf(response: Response, label = 'refresh'): Pair {
  assert.equal(response.statusCode, 200, `${label}: got ${response.statusCode} ${response.body}`);
  const body = json<{ message: string; data: Json }>(response);
  assert.equal(typeof body.message, 'string', label);
  assert.deepEqual(Object.keys(body.data).sort(), ['expires_in', 'refresh_token', 'token', 'token_type'], label);
  assert.equal(body.data.token_type, 'Bearer', label);
  assert.equal(body.data.expires_in, 900, label);
  assert.equal(typeof body.data.token, 'string', label);
  assert.equal(typeof body.data.refresh_token, 'string', label);
  return { token: body.data.token as string, refreshToken: body.data.refresh_token as string };
}

export async function refreshed(app: FastifyInstance, refreshToken: string, label = 'refresh'): Promise<Pair> {
  return pairOf(await refresh(app, refreshToken), label);
}

/** An access token, or the full request headers when a test needs to spell them itself. */
type Credentials = string | Record<string, string>;
const headersOf = (credentials: Credentials) => (typeof credentials === 'string' ? bearer(credentials) : credentials);

/** GET /users/ with these credentials answers 200 with this user. */
export async function assertAccepted(app: FastifyInstance, credentials: Credentials, userId: string, label: string): Promise<void> {
  const response = await app.inject({ method: 'GET', url: '/users/', headers: headersOf(credentials) });
  assert.equal(response.statusCode, 200, `${label}: got ${response.statusCode} ${response.body.slice(0, 300)}`);
  assert.equal(json<{ data: { _id: string } }>(response).data._id, userId, label);
}

/**
 * GET /users/ (or `url`) with these credentials gets 401 in the error envelope with code UNAUTHENTICATED
 * (never 500), the request id of its header, and a Bearer challenge of the kind named.
 */
export async function assertRefused(
  app: FastifyInstance,
  credentials: Credentials,
  label: string,
  challenge: 'invalid_token' | 'no_credentials' | 'any' = 'invalid_token',
  url = '/users/',
): Promise<void> {
  const response = await app.inject({ method: 'GET', url, headers: headersOf(credentials) });
  assert.equal(response.statusCode, 401, `${label}: got ${response.statusCode} ${response.body.slice(0, 300)}`);
  const envelope = errorOf(response);
  assert.deepEqual(Object.keys(envelope).sort(), ['code', 'data', 'error', 'message', 'request_id'], label);
  assert.equal(envelope.code, 'UNAUTHENTICATED', label);
  assert.equal(envelope.error, 'Unauthorized', label);
  assert.equal(envelope.data, null, label);
  assert.equal(typeof envelope.message, 'string', label);
  assert.equal(envelope.request_id, response.headers['x-request-id'], label);
  const header = response.headers['www-authenticate'];
  assert.equal(typeof header, 'string', `${label}: WWW-Authenticate`);
  if (challenge === 'invalid_token') assert.equal(header, INVALID_TOKEN, label);
  else if (challenge === 'no_credentials') assert.equal(header, NO_CREDENTIALS, label);
  else assert.match(String(header), /^Bearer realm="bindery"/, label);
}

export async function assertRefreshRefused(app: FastifyInstance, refreshToken: string, label: string): Promise<void> {
  const response = await refresh(app, refreshToken);
  assert.equal(response.statusCode, 401, `${label}: got ${response.statusCode} ${response.body}`);
  const error = errorOf(response);
  assert.deepEqual(Object.keys(error).sort(), ['code', 'data', 'error', 'message', 'request_id'], label);
  assert.equal(error.code, 'INVALID_REFRESH_TOKEN', label);
  assert.equal(error.error, 'Unauthorized', label);
  assert.equal(error.data, null, label);
}

export async function sessionRow(database: Database, id: string) {
  return database.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export interface ListedSession {
  _id: string;
  created_at: string;
  last_used_at: string;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

export async function listSessions(app: FastifyInstance, token: string): Promise<ListedSession[]> {
  const response = await app.inject({ method: 'GET', url: '/users/sessions', headers: bearer(token) });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ data: ListedSession[] }>(response).data;
}

export interface ActivityEvent {
  _id: string;
  type: string;
  created_at: string;
  ip: string | null;
  session_id: string | null;
}

export async function activity(app: FastifyInstance, token: string, query = ''): Promise<ActivityEvent[]> {
  const response = await app.inject({ method: 'GET', url: `/users/activity${query}`, headers: bearer(token) });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ data: ActivityEvent[] }>(response).data;
}

export function changePassword(app: FastifyInstance, token: string, currentPassword: string, newPassword: string): Promise<Response> {
  return app.inject({
    method: 'PUT',
    url: '/users/password',
    headers: bearer(token),
    payload: { current_password: currentPassword, new_password: newPassword },
  });
}
