import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { GdprActivities } from '../activities/gdpr';
import { pseudonymOf } from '../schema/erasure/pseudonym';
import type { PublishActivities } from '../activities/publish';
import {
  cancelErasureUpdate,
  ERASURE_FAILURE_TYPES,
  ERASURE_STEPS,
  erasureCertificateQuery,
  erasureStatusQuery,
  gdprErasureInputSchema,
  retryErasureSignal,
  type CancelRequest,
  type ErasureCertificate,
  type ErasureOutcome,
  type ErasureState,
  type ErasureStatus,
  type ErasureStep,
  type ErasureStepName,
  type GdprErasureInput,
  type StoreVerification,
} from './gdpr-contract';
import { StageProgress } from './progress';
import { Pipeline, RequestId, TenantId } from './search-attributes';
import { parseWorkflowInput } from './input';

export const GDPR_PIPELINE = 'gdpr-erasure';

const NON_RETRYABLE = ['InvalidInput', 'UnknownTable', 'UnknownColumn', 'PermissionDenied'];

/** Before the point of no return a failure compensates, so retries are short: the requester hears back soon. */
const beforePolicy = {
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
} as const;
/** Compensations must finish: idempotent, retried for a long time. */
const compensationPolicy = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 50 },
} as const;
/** After the point of no return the saga only goes forward: retries with backoff, then an operator. */
const forwardPolicy = (maximumAttempts: number) =>
  ({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '2 minutes',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  }) as const;

const before = proxyActivities<GdprActivities>(beforePolicy);
const compensate = proxyActivities<GdprActivities>(compensationPolicy);

/** Innermost message of a failure chain (activity → application failure), without stack or personal data. */
function describe(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const type = e instanceof ApplicationFailure && e.type ? `${e.type}: ` : '';
  return `${type}${e instanceof Error ? e.message : String(e)}`.slice(0, 500);
}

/**
 * GDPR erasure of one person as a saga, on task queue `gdpr`:
 *
 * validate (exists, no legal hold) → suspend + revoke sessions (compensable) → purge cache → **erase in the source**
 * (point of no return) → erase/tokenise in the warehouse → rewrite lake objects → verify every store → certificate.
 *
 * Before the point of no return a failure or a cancel runs the compensations and the request ends `rejected` or
 * `cancelled`. After it the saga only recovers forward: each step retries with backoff; when retries run out it
 * notifies and waits for the `retry` signal. The `status` query answers at any time; the input (which holds the user
 * id and, after validation, the email in the history) is protected by the payload codec.
 */
export async function gdprErasure(raw: GdprErasureInput): Promise<ErasureOutcome> {
  const input = parseWorkflowInput('gdprErasure', gdprErasureInputSchema, raw);
  const info = workflowInfo();
  const subject = { tenantId: input.tenantId, userId: input.userId };
  const forward = proxyActivities<GdprActivities>(forwardPolicy(input.maxStepAttempts ?? 8));
  // The pipelines' one notification activity (activities/publish.ts), retried like the forward steps.
  const { notify: operatorNotify } = proxyActivities<PublishActivities>(forwardPolicy(input.maxStepAttempts ?? 8));
  upsertSearchAttributes([
    { key: Pipeline, value: GDPR_PIPELINE },
    { key: TenantId, value: input.tenantId },
    { key: RequestId, value: input.requestId },
  ]);

  const now = () => new Date(Date.now()).toISOString();
  const status: ErasureStatus = {
    requestId: input.requestId,
    tenantId: input.tenantId,
    state: 'running',
    stage: 'validate',
    pointOfNoReturnPassed: false,
    requestedAt: input.requestedAt,
    updatedAt: now(),
    steps: ERASURE_STEPS.map((name) => ({ name, status: 'pending', counts: {} })),
    // Random, never derived from the user id: unlinkable by construction; fixed in history, so stable on replay.
    subjectToken: `anon_${uuid4().replace(/-/g, '')}`,
  };
  let certificate: ErasureCertificate | undefined;
  let cancelRequested: { reason?: string } | undefined;
  let retryRequested = false;
  const progress = new StageProgress<ErasureStepName>(ERASURE_STEPS, `${GDPR_PIPELINE} ${input.requestId}`);
  const step = (name: ErasureStepName): ErasureStep => status.steps.find((s) => s.name === name)!;
  const finished = () => status.state !== 'running' && status.state !== 'awaiting_operator';

  setHandler(erasureStatusQuery, () => status);
  setHandler(erasureCertificateQuery, () => certificate);
  setHandler(retryErasureSignal, () => {
    retryRequested = true;
  });

  const preScope = new CancellationScope();
  setHandler(
    cancelErasureUpdate,
    async (request: CancelRequest) => {
      cancelRequested = { reason: request.reason };
      preScope.cancel();
      await condition(() => finished() || status.pointOfNoReturnPassed);
      return status;
    },
    {
      validator: (_request: CancelRequest) => {
        if (finished()) {
          throw ApplicationFailure.create({
            type: ERASURE_FAILURE_TYPES.alreadyFinished,
            nonRetryable: true,
            message: `the request is already ${status.state}`,
          });
        }
        if (status.pointOfNoReturnPassed) {
          throw ApplicationFailure.create({
            type: ERASURE_FAILURE_TYPES.pointOfNoReturnPassed,
            nonRetryable: true,
            message:
              'the erasure has passed its point of no return (source data erased); it can no longer be cancelled',
          });
        }
      },
    },
  );

  const begin = (name: ErasureStepName, note?: string) => {
    const s = step(name);
    s.status = 'running';
    s.startedAt ??= now();
    s.error = undefined;
    status.stage = name;
    status.updatedAt = now();
    progress.start(name, note);
  };
  const complete = (name: ErasureStepName, counts: Record<string, number>) => {
    const s = step(name);
    s.status = 'completed';
    s.finishedAt = now();
    s.counts = counts;
    status.updatedAt = s.finishedAt;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    progress.finish(name, `${total} affected`);
  };
  const fail = (name: ErasureStepName, err: unknown) => {
    const s = step(name);
    s.status = 'failed';
    s.error = describe(err);
    status.updatedAt = now();
    progress.fail(name, s.error.slice(0, 200));
  };
  const end = async (
    state: Extract<ErasureState, 'rejected' | 'cancelled'>,
    reason: string,
  ): Promise<ErasureOutcome> => {
    status.state = state;
    status.reason = reason;
    status.completedAt = now();
    status.updatedAt = status.completedAt;
    for (const s of status.steps) if (s.status === 'pending') s.status = 'skipped';
    await CancellationScope.nonCancellable(() =>
      compensate.gdprRecordOutcome({
        requestId: input.requestId,
        tenantId: input.tenantId,
        subjectToken: status.subjectToken,
        state,
        reason,
        workflowId: info.workflowId,
        runId: info.runId,
      }),
    );
    return { state, reason, status };
  };

  // ── Before the point of no return: compensable ─────────────────────────────────────────────────────────────────
  let email = '';
  let previousStatus: string | undefined;
  try {
    await preScope.run(async () => {
      begin('validate');
      const found = await before.gdprLookupSubject(subject);
      if (!found.found) {
        complete('validate', { found: 0 });
        throw ApplicationFailure.create({
          type: 'SubjectNotFound',
          nonRetryable: true,
          message: 'no such user in this tenant',
        });
      }
      if (found.legalHolds.length > 0) {
        complete('validate', { found: 1, legal_holds: found.legalHolds.length });
        throw ApplicationFailure.create({
          type: 'LegalHold',
          nonRetryable: true,
          message: `the user is under legal hold: ${found.legalHolds.join('; ')}`,
        });
      }
      email = found.email;
      complete('validate', { found: 1, legal_holds: 0 });

      begin('suspend');
      previousStatus = found.status;
      const suspended = await before.gdprSuspendAccount(subject);
      complete('suspend', { 'postgres.sessions_revoked': suspended.sessionsRevoked });

      begin('purge_cache');
      complete('purge_cache', await before.gdprPurgeCache({ ...subject, email }));
    });
    if (cancelRequested) throw new CancelledBeforeNoReturn();
  } catch (err) {
    const cancelled = cancelRequested !== undefined || isCancellation(err) || err instanceof CancelledBeforeNoReturn;
    const current = status.steps.find((s) => s.status === 'running');
    const failure = err instanceof ActivityFailure || err instanceof ApplicationFailure;
    if (current && !cancelled) fail(current.name, err);
    if (current && cancelled) current.status = 'skipped';
    if (!cancelled && !failure) throw err;
    // Compensate whatever ran: the suspension (the purged cache refills on its own).
    if (previousStatus !== undefined) {
      await CancellationScope.nonCancellable(async () => {
        const restored = await compensate.gdprRestoreAccount({ ...subject, previousStatus: previousStatus! });
        const s = step('suspend');
        s.status = 'compensated';
        s.counts = { ...s.counts, 'postgres.account_restored': restored.restored };
      });
    }
    if (cancelled) {
      return end(
        'cancelled',
        `cancelled before the point of no return${cancelRequested?.reason ? `: ${cancelRequested.reason}` : ''}`,
      );
    }
    return end('rejected', describe(err));
  }

  // ── The point of no return ────────────────────────────────────────────────────────────────────────────────────
  // Set before the source erase is scheduled: from here on the cancel update is refused.
  status.pointOfNoReturnPassed = true;
  const known = { ...subject, email };
  // The pseudonym that replaces the user id in every store (a negative bigint from the random token, schema/erasure);
  // the request time is the tombstone's deletion time. Both are fixed in history, so stable on replay.
  const erasure = { ...known, token: pseudonymOf(status.subjectToken), erasedAt: input.requestedAt };

  /** Notifies the operators and waits for their `retry` signal (state awaiting_operator meanwhile). */
  async function awaitOperator(what: string, reason: string): Promise<void> {
    status.state = 'awaiting_operator';
    status.reason = reason;
    await operatorNotify({
      severity: 'error',
      title: `GDPR erasure ${input.requestId} needs an operator (${what})`,
      text: reason,
      workflowId: info.workflowId,
      runId: info.runId,
    });
    await condition(() => retryRequested);
    retryRequested = false;
    status.reason = undefined;
  }

  /** Runs a forward step until it succeeds; when its retries are exhausted, waits for the operator's `retry`. */
  async function untilDone<T>(name: ErasureStepName, call: () => Promise<T>): Promise<T> {
    for (;;) {
      begin(name);
      status.state = 'running';
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof ActivityFailure) && !(err instanceof ApplicationFailure)) throw err;
        fail(name, err);
        await awaitOperator(
          `step ${name}`,
          `step ${name} failed after its retries: ${describe(err)}. Fix the cause, then signal "retry".`,
        );
      }
    }
  }

  // Cancellation from here on is ignored: the saga must finish what it started.
  return CancellationScope.nonCancellable(async () => {
    complete('erase_source', await untilDone('erase_source', () => forward.gdprEraseSource(erasure)));
    let verification: StoreVerification[] = [];
    for (let round = 1; ; round++) {
      complete('erase_warehouse', await untilDone('erase_warehouse', () => forward.gdprEraseWarehouse(erasure)));
      complete('rewrite_objects', await untilDone('rewrite_objects', () => forward.gdprRewriteObjects(erasure)));
      verification = await untilDone('verify', () => forward.gdprVerifyErasure(known));
      const dirty = verification.filter((v) => v.occurrences > 0);
      complete('verify', Object.fromEntries(verification.map((v) => [v.store, v.occurrences])));
      if (dirty.length === 0) break;
      // Something still names the person (data landed meanwhile, e.g. a daily run reloading a day): erase again.
      const what = dirty.map((v) => `${v.store}: ${v.occurrences}`).join(', ');
      step('verify').status = 'failed';
      step('verify').error = `round ${round}: identifiers still found (${what})`;
      if (round >= 3) {
        await awaitOperator(
          'verify',
          `verification still finds the user's identifiers after ${round} rounds (${what}). Signal "retry" to erase and verify again.`,
        );
      }
    }
    certificate = await untilDone('certificate', () =>
      forward.gdprIssueCertificate({
        request: {
          requestId: input.requestId,
          tenantId: input.tenantId,
          requestedBy: input.requestedBy,
          requestedAt: input.requestedAt,
        },
        subjectToken: status.subjectToken,
        steps: status.steps,
        verification,
        workflowId: info.workflowId,
        runId: info.runId,
      }),
    );
    complete('certificate', { verified_stores: verification.length });
    status.state = 'completed';
    status.completedAt = now();
    status.updatedAt = status.completedAt;
    return { state: 'completed' as const, status, certificate };
  });
}

class CancelledBeforeNoReturn extends Error {
  override name = 'CancelledBeforeNoReturn';
}
