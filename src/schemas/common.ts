import { Type, type TSchema } from 'typebox';

export const FieldIssueSchema = Type.Object({ field: Type.String(), message: Type.String() });

export const ErrorEnvelope = Type.Object(
  {
    message: Type.String(),
    data: Type.Null(),
    error: Type.String({ description: 'The HTTP reason phrase, e.g. "Not Found"' }),
    code: Type.String({ description: 'A stable UPPER_SNAKE error code' }),
    request_id: Type.String(),
    details: Type.Optional(Type.Array(FieldIssueSchema)),
  },
  { $id: 'ErrorEnvelope', description: 'Every failure of the API' },
);

/** The tutorial's success envelope: `{message, data}`. */
export function envelope<T extends TSchema>(data: T) {
  return Type.Object({ message: Type.String(), data });
}

export const NoContent = Type.Null({ description: 'No content' });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const Timestamp = Type.String({ format: 'date-time' });

/** The error responses a route can give, referenced from the shared ErrorEnvelope schema. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, Type.Ref('ErrorEnvelope')]));
}
