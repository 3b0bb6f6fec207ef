// One definition of the failure types, in schema/failure-types.ts (no imports), so workflows can use them as values.
import { ErrorType } from '../schema/failure-types';

/**
 * Typed failures every adapter maps its provider errors to. The workers' activity interceptor
 * (workers/activity-failures.ts) turns a PlatformError into
 * `ApplicationFailure.create({ type: err.type, nonRetryable: err.nonRetryable, message: err.message, cause: err })`
 * so Temporal's retry policy and the UI see one vocabulary whatever the platform.
 */
export { ErrorType };

const NON_RETRYABLE_BY_DEFAULT: Record<ErrorType, boolean> = {
  InvalidInput: true,
  UnknownTable: true,
  UnknownColumn: true,
  NotFound: true,
  PermissionDenied: true,
  SparkJobFailed: true,
  TransientInfrastructure: false,
  Timeout: false,
};

export interface PlatformErrorOptions {
  /** @default true for input, lookup, permission and job-code errors; false for transient ones and timeouts */
  nonRetryable?: boolean;
  cause?: unknown;
  /** Small, serialisable facts for the failure's details (job id, exit code, log tail). */
  details?: Record<string, unknown>;
}

export class PlatformError extends Error {
  readonly type: ErrorType;
  readonly nonRetryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(type: ErrorType, message: string, options: PlatformErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PlatformError';
    this.type = type;
    this.nonRetryable = options.nonRetryable ?? NON_RETRYABLE_BY_DEFAULT[type];
    this.details = options.details ?? {};
  }
}

export function isPlatformError(error: unknown): error is PlatformError {
  return error instanceof PlatformError;
}
