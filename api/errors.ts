import { type z } from 'zod';

/** Field errors keyed by a dotted path (`body.userId`, `header.idempotency-key`). */
export type FieldErrors = Record<string, string[]>;

/** Every error answer of the API: `{ error: { code, message, fields? } }`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { error: { code: string; message: string; fields?: FieldErrors } } {
    return { error: { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) } };
  }
}

export const notFound = (what = 'erasure request') => new ApiError(404, 'not_found', `unknown ${what}`);

/** Turns zod issues into field errors under `where` (body, params, headers, query). */
export function fieldErrors(where: string, error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = [where, ...issue.path.map(String)].join('.');
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

/** Validates `value` against `schema`, or throws a 400 `invalid_request` naming every bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError(400, 'invalid_request', `invalid ${where}`, fieldErrors(where, result.error));
}
