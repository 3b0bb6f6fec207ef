/**
 * Typed failures every adapter maps its provider errors to. Activities turn a PlatformError into
 * `ApplicationFailure.create({ type: err.type, nonRetryable: err.nonRetryable, message: err.message, cause: err })`
 * so Temporal's retry policy and the UI see one vocabulary whatever the platform.
 */
export const ErrorType = {
  /** The caller asked for something malformed; retrying the same input fails the same way. */
  InvalidInput: 'InvalidInput',
  UnknownTable: 'UnknownTable',
  UnknownColumn: 'UnknownColumn',
  NotFound: 'NotFound',
  /** Credentials or IAM refuse the call: an operator must act, a retry will not help. */
  PermissionDenied: 'PermissionDenied',
  /** A Spark job's own code failed (exception in the driver, bad data). */
  SparkJobFailed: 'SparkJobFailed',
  /** The platform hiccuped (UNAVAILABLE, quota, preemption, lost node): the same request may succeed later. */
  TransientInfrastructure: 'TransientInfrastructure',
  Timeout: 'Timeout',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

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
