import { Type, type Static } from 'typebox';
import { NAME_RULES, PASSWORD_RULES } from '../modules/identity/index.js';
import { Timestamp, envelope } from './common.js';

export const User = Type.Object({
  _id: Type.String(),
  name: Type.String(),
  email: Type.String({ format: 'email' }),
  active: Type.Boolean(),
  created_at: Timestamp,
});
export type User = Static<typeof User>;

const Email = Type.String({ format: 'email', maxLength: 254 });
// Bounds here are the transport limits; the finer rules live in the identity policy, and the document
// states them in words.
const Name = Type.String({ minLength: 1, maxLength: 100, description: `${NAME_RULES}; at most 100 characters` });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
/** A password being chosen: the identity policy's rules apply. */
export const NewPassword = Type.String({ minLength: 1, maxLength: 1024, description: PASSWORD_RULES });

export const RegisterBody = Type.Object({ name: Name, email: Email, password: NewPassword }, { additionalProperties: false });
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

export const UpdateUserBody = Type.Object({ name: Name }, { additionalProperties: false });
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const LoginResult = Type.Object({
  _id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  active: Type.Boolean(),
  created_at: Timestamp,
  token: Type.String(),
  refresh_token: Type.String({ description: 'Exchange at POST /users/token/refresh; single use' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
});
export type LoginResult = Static<typeof LoginResult>;

export const UserEnvelope = envelope(User);
export const LoginEnvelope = envelope(LoginResult);
