import type { z } from 'zod';
import { errorSchema } from '../schemas';

/** A JSON response for a route's `schema.response`, with its OpenAPI description. */
export const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const ERROR_TEXT = {
  400: 'Malformed request: `error.fields` names each bad field',
  401: 'Missing, unknown or revoked API key',
  403: 'The key lacks the scope',
  404: 'Unknown request (or of another tenant)',
  409: 'Conflict with the request state',
  410: 'The workflow run of the request no longer exists in Temporal (retention)',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Idempotency-Key reused with a different body, or payloads that cannot be decoded',
  429: 'Rate limit of the key exhausted (see Retry-After)',
  503: 'Temporal, the platform store or a worker did not answer in time (see Retry-After)',
} as const;

/** The error answers (`{ error: { code, message, fields? } }`) a route can give, by status. */
export function errorResponses<C extends keyof typeof ERROR_TEXT>(...codes: C[]) {
  return Object.fromEntries(codes.map((code) => [code, json(errorSchema, ERROR_TEXT[code])])) as Record<
    C,
    ReturnType<typeof json<typeof errorSchema>>
  >;
}

/** The answers of every route behind an API key: bad input, authentication, scope, rate limit, dependencies. */
export const AUTHENTICATED = [400, 401, 403, 429, 503] as const;
