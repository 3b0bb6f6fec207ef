/**
 * The one vocabulary of failure types (the `type` of every ApplicationFailure the platform raises), as plain values
 * with no imports: adapters re-export `ErrorType` from here (adapters/errors.ts), workflows import it as a value inside
 * the sandbox, and clients (API, CLI) compare failure types against the same constants.
 */

/** What adapters map provider errors to (`PlatformError.type`); activities raise them as ApplicationFailures. */
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

/** Failures workflows raise themselves (a decision, not an activity's error). */
export const WorkflowFailureType = {
  /** An error-severity data-quality check failed (userAnalyticsDaily). */
  DataQualityFailed: 'DataQualityFailed',
  /** The erasure's subject does not exist in the tenant (gdprErasure, rejected). */
  SubjectNotFound: 'SubjectNotFound',
  /** The erasure's subject is under legal hold (gdprErasure, rejected). */
  LegalHold: 'LegalHold',
  /** Cancel refused: the source erase has started (the API answers 409). */
  PointOfNoReturnPassed: 'PointOfNoReturnPassed',
  /** Cancel refused: the run is over (the API answers 409). */
  AlreadyFinished: 'AlreadyFinished',
} as const;
export type WorkflowFailureType = (typeof WorkflowFailureType)[keyof typeof WorkflowFailureType];

/** Every failure type, adapters' and workflows'. */
export const FailureType = { ...ErrorType, ...WorkflowFailureType } as const;
export type FailureType = ErrorType | WorkflowFailureType;

/**
 * Failure types no activity retry can fix, listed in every retry policy (workflows/policies.ts): the policy stops
 * retrying them even when the failure was raised without `nonRetryable`. `NotFound` is not here: it is non-retryable
 * by default as a PlatformError, but a caller may raise it retryably (something not there yet).
 */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  ErrorType.InvalidInput,
  ErrorType.UnknownTable,
  ErrorType.UnknownColumn,
  ErrorType.PermissionDenied,
  ErrorType.SparkJobFailed,
];
