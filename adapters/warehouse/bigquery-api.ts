import {
  BigQueryDate,
  BigQueryDatetime,
  BigQueryInt,
  BigQueryTime,
  BigQueryTimestamp,
  type QueryParameter,
} from '@google-cloud/bigquery';
import { ErrorType, PlatformError } from '../errors';
import type { QueryParam } from '../ports';
import { COLUMN_TYPES, normaliseDecimal, normaliseInteger, normaliseTimestamp, paramType, paramValue } from './sql';

/**
 * The BigQuery API's shapes in the platform's terms: API and job errors → typed failures, result values → `Row`
 * values, parameters → the REST representation, `gs://` URIs → bucket and key.
 */

const REASON_TYPES: Record<string, ErrorType> = {
  invalid: ErrorType.InvalidInput,
  invalidQuery: ErrorType.InvalidInput,
  bytesBilledLimitExceeded: ErrorType.InvalidInput,
  billingTierLimitExceeded: ErrorType.InvalidInput,
  notFound: ErrorType.NotFound,
  accessDenied: ErrorType.PermissionDenied,
  backendError: ErrorType.TransientInfrastructure,
  internalError: ErrorType.TransientInfrastructure,
  rateLimitExceeded: ErrorType.TransientInfrastructure,
  quotaExceeded: ErrorType.TransientInfrastructure,
  jobBackendError: ErrorType.TransientInfrastructure,
  timeout: ErrorType.Timeout,
};

export interface ErrorProto {
  reason?: string;
  message?: string;
}

export const statusOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** The reason of an API error's first entry (`invalidQuery`, `notFound`, ...). */
export const reasonOf = (err: unknown): string | undefined =>
  ((err as { errors?: ErrorProto[] } | undefined)?.errors ?? [])[0]?.reason;

/** The message of a typed failure: what was being done, then the provider's words. */
export const failureMessage = (err: unknown, what: string) =>
  `${what}: ${err instanceof Error ? err.message : String(err)}`;

/** Maps a BigQuery API or job failure to the platform's typed failure. */
export function mapBigQueryError(err: unknown, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const reason = reasonOf(err);
  const message = failureMessage(err, what);
  const status = statusOf(err);
  if (reason && REASON_TYPES[reason]) return new PlatformError(REASON_TYPES[reason], message, { cause: err });
  if (status === 404) return new PlatformError(ErrorType.NotFound, message, { cause: err });
  if (status === 400) return new PlatformError(ErrorType.InvalidInput, message, { cause: err });
  if (status === 401 || status === 403) return new PlatformError(ErrorType.PermissionDenied, message, { cause: err });
  return new PlatformError(ErrorType.TransientInfrastructure, message, { cause: err });
}

/** A failed job's error result as an API error (every distinct message, the first reason), to be mapped. */
export function jobFailure(errorResult: ErrorProto, errors: ErrorProto[] | undefined): Error {
  const details = [errorResult, ...(errors ?? [])]
    .map((e) => e.message)
    .filter((m, i, all): m is string => Boolean(m) && all.indexOf(m) === i)
    .join('; ');
  return Object.assign(new Error(details || errorResult.reason || 'job failed'), { errors: [errorResult] });
}

/** Lets a create race with another creator: 409 already-exists is success. */
export const ignoreConflict = (err: unknown): undefined => {
  if (statusOf(err) === 409) return undefined;
  throw err;
};

/** A result value in the port's JSON-safe `Row` representation. */
export function normaliseValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (value instanceof BigQueryInt) return normaliseInteger(value.value);
  if (value instanceof BigQueryTimestamp) return normaliseTimestamp(value.value);
  if (value instanceof BigQueryDate || value instanceof BigQueryDatetime || value instanceof BigQueryTime) {
    return value.value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? normaliseInteger(value) : value;
  if (typeof value === 'bigint') return normaliseInteger(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  // NUMERIC arrives as a Big.js instance.
  if (typeof value === 'object' && value.constructor?.name === 'Big') {
    return normaliseDecimal((value as { toString(): string }).toString());
  }
  return JSON.stringify(value);
}

/** A named parameter in the REST representation: its declared type and its value as text (none for NULL). */
export function queryParameter(name: string, param: QueryParam): QueryParameter {
  const value = paramValue(param);
  return {
    name,
    parameterType: { type: COLUMN_TYPES.bigquery[paramType(param)] },
    parameterValue: value === null ? {} : { value: value instanceof Date ? value.toISOString() : String(value) },
  };
}

export function parseGsUri(uri: string): { bucket: string; key: string } {
  const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220})\/(.+)$/.exec(uri);
  if (!m?.[1] || !m[2])
    throw new PlatformError(ErrorType.InvalidInput, `Parquet file ${JSON.stringify(uri)} is not a gs:// URI`);
  return { bucket: m[1], key: m[2] };
}

/** A day as BigQuery's partition id and decorator suffix. */
export const yyyymmdd = (date: string) => date.replace(/-/g, '');
