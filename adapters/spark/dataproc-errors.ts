import { ErrorType, PlatformError } from '../errors';

/** gRPC status codes (numbers, so the adapter need not import @grpc/grpc-js for them). */
export const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  GrpcCode.CANCELLED,
  GrpcCode.UNKNOWN,
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.RESOURCE_EXHAUSTED,
  GrpcCode.ABORTED,
  GrpcCode.INTERNAL,
  GrpcCode.UNAVAILABLE,
]);

/** Maps a failed Dataproc call to the typed failure Temporal's retry policy acts on. */
export function classifyGrpcError(error: unknown, what: string): PlatformError {
  if (error instanceof PlatformError) return error;
  const code = grpcCode(error);
  const message = `Dataproc ${what} failed: ${error instanceof Error ? error.message : String(error)}`;
  const options = { cause: error, details: { grpcCode: code } };
  if (code === undefined || TRANSIENT_CODES.has(code)) {
    return new PlatformError(ErrorType.TransientInfrastructure, message, options);
  }
  if (code === GrpcCode.NOT_FOUND) return new PlatformError(ErrorType.NotFound, message, options);
  if (code === GrpcCode.PERMISSION_DENIED || code === GrpcCode.UNAUTHENTICATED) {
    return new PlatformError(ErrorType.PermissionDenied, message, options);
  }
  return new PlatformError(ErrorType.InvalidInput, message, options);
}

/**
 * Job or cluster failures that are the platform's fault, recognised in Dataproc's status details: lost or preempted
 * nodes, stockouts and quota. Anything else in a job ERROR is the job's own code failing.
 */
export const TRANSIENT_FAILURE_DETAIL =
  /preempt|node (?:was )?lost|lost node|ExecutorLostFailure|Container (?:was )?(?:killed|released|preempted|marked as failed)|quota|RESOURCE_EXHAUSTED|UNAVAILABLE|stockout|ZONE_RESOURCE_POOL_EXHAUSTED|try again later|internal error/i;

export function classifyJobFailure(jobId: string, details: string): PlatformError {
  const transient = TRANSIENT_FAILURE_DETAIL.test(details);
  return new PlatformError(
    transient ? ErrorType.TransientInfrastructure : ErrorType.SparkJobFailed,
    `Dataproc job ${jobId} failed${transient ? ' (infrastructure)' : ''}: ${details || 'no details'}`,
    { details: { jobId, driverMessage: details } },
  );
}

export function classifyClusterFailure(clusterName: string, details: string): PlatformError {
  const transient = TRANSIENT_FAILURE_DETAIL.test(details);
  return new PlatformError(
    transient ? ErrorType.TransientInfrastructure : ErrorType.InvalidInput,
    `Dataproc cluster ${clusterName} failed to start: ${details || 'no details'}`,
    { details: { clusterName } },
  );
}
