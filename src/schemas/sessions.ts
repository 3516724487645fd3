import { Type, type Static } from 'typebox';
import { Timestamp, envelope } from './common.js';
import { NewPassword } from './users.js';

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });
export type RefreshBody = Static<typeof RefreshBody>;

export const TokenPair = Type.Object({
  token: Type.String({ description: 'The new access token' }),
  refresh_token: Type.String({ description: 'The new refresh token; the one presented is now spent' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
});

export const Session = Type.Object({
  _id: Type.String(),
  created_at: Timestamp,
  last_used_at: Timestamp,
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean({ description: 'True for the session of the token making this request' }),
});
export type Session = Static<typeof Session>;

export const ChangePasswordBody = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: NewPassword },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const ActivityEvent = Type.Object({
  _id: Type.String(),
  type: Type.String(),
  created_at: Timestamp,
  ip: Type.Union([Type.String(), Type.Null()]),
  session_id: Type.Union([Type.String(), Type.Null()]),
});
export type ActivityEvent = Static<typeof ActivityEvent>;

export const ActivityQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) },
  { additionalProperties: false },
);
export type ActivityQuery = Static<typeof ActivityQuery>;

export const TokenPairEnvelope = envelope(TokenPair);
export const SessionListEnvelope = envelope(Type.Array(Session));
export const ActivityEnvelope = envelope(Type.Array(ActivityEvent));

export const Jwks = Type.Object({
  keys: Type.Array(
    Type.Object({ kid: Type.String(), kty: Type.String(), crv: Type.String(), x: Type.String(), alg: Type.String(), use: Type.String() }),
  ),
});
