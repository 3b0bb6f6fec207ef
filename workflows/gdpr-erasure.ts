import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { GdprActivities } from '../activities/gdpr';
import type { PublishActivities } from '../activities/publish';
import { pseudonymOf } from '../schema/erasure/pseudonym';
import { FailureType } from '../schema/failure-types';
import { failureLine } from './failures';
import {
  cancelErasureUpdate,
  ERASURE_FAILURE_TYPES,
  erasureCertificateQuery,
  erasureStatusQuery,
  gdprErasureInputSchema,
  retryErasureSignal,
  type CancelRequest,
  type ErasureOutcome,
  type ErasureStepName,
  type GdprErasureInput,
  type StoreVerification,
} from './gdpr-contract';
import { ErasureRun, GDPR_PIPELINE } from './gdpr-erasure-run';
import { parseWorkflowInput } from './input';
import { erasureCompensableActivity, erasureCompensationActivity, erasureForwardActivity } from './policies';
import { Pipeline, RequestId, TenantId } from './search-attributes';

export { GDPR_PIPELINE } from './gdpr-erasure-run';

const compensable = proxyActivities<GdprActivities>(erasureCompensableActivity);
const compensation = proxyActivities<GdprActivities>(erasureCompensationActivity);

type Subject = { tenantId: string; userId: string };
/** Undoes one completed (or possibly applied) step; runs with cancellation shielded. */
type Compensation = () => Promise<void>;

/**
 * GDPR erasure of one person as a saga, on task queue `gdpr`:
 *
 * validate (exists, no legal hold) → suspend + revoke sessions (compensable) → purge cache → **erase in the source**
 * (point of no return) → erase/tokenise in the warehouse → rewrite lake objects → verify every store → certificate.
 *
 * Two phases. The compensable one pushes a compensation for each step that changes something and, on a failure or a
 * cancel, unwinds them in reverse order; the request ends `rejected` or `cancelled`. The forward one starts at the
 * point of no return and only recovers forward: each step retries with backoff; when retries run out it notifies and
 * waits for the operator's `retry` signal. The `status` query answers at any time; the input (which holds the user
 * id and, after validation, the email in the history) is protected by the payload codec.
 */
export async function gdprErasure(raw: GdprErasureInput): Promise<ErasureOutcome> {
  const input = parseWorkflowInput('gdprErasure', gdprErasureInputSchema, raw);
  const subject: Subject = { tenantId: input.tenantId, userId: input.userId };
  const forwardPolicy = erasureForwardActivity(input.maxStepAttempts ?? 8);
  const forward = proxyActivities<GdprActivities>(forwardPolicy);
  // The pipelines' one notification activity (activities/publish.ts), retried like the forward steps.
  const { notify: operatorNotify } = proxyActivities<PublishActivities>(forwardPolicy);
  upsertSearchAttributes([
    { key: Pipeline, value: GDPR_PIPELINE },
    { key: TenantId, value: input.tenantId },
    { key: RequestId, value: input.requestId },
  ]);
  const run = new ErasureRun(input);
  const compensableScope = new CancellationScope();
  handleQueriesAndSignals(run, compensableScope);

  const reached = await compensablePhase(run, input, subject, compensableScope);
  if ('outcome' in reached) return reached.outcome;

  // ── The point of no return ────────────────────────────────────────────────────────────────────────────────────
  // Set before the source erase is scheduled: from here on the cancel update is refused.
  run.status.pointOfNoReturnPassed = true;
  // Cancellation from here on is ignored: the saga must finish what it started.
  return CancellationScope.nonCancellable(() =>
    forwardPhase(run, input, { ...subject, email: reached.email }, forward, operatorNotify),
  );
}

function handleQueriesAndSignals(run: ErasureRun, compensableScope: CancellationScope): void {
  setHandler(erasureStatusQuery, () => run.status);
  setHandler(erasureCertificateQuery, () => run.certificate);
  setHandler(retryErasureSignal, () => {
    run.retryRequested = true;
  });
  setHandler(
    cancelErasureUpdate,
    async (request: CancelRequest) => {
      run.cancelRequested = { reason: request.reason };
      compensableScope.cancel();
      await condition(() => run.finished() || run.status.pointOfNoReturnPassed);
      return run.status;
    },
    {
      validator: (_request: CancelRequest) => {
        if (run.finished()) {
          throw ApplicationFailure.create({
            type: ERASURE_FAILURE_TYPES.alreadyFinished,
            nonRetryable: true,
            message: `the request is already ${run.status.state}`,
          });
        }
        if (run.status.pointOfNoReturnPassed) {
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
}

/**
 * Validate, suspend, purge the cache, in `scope` (which the cancel update cancels). Each step that changes something
 * pushes its compensation; a failure or a cancel unwinds them in reverse order and ends the request. Returns the
 * subject's email when every step succeeded, else the outcome.
 */
async function compensablePhase(
  run: ErasureRun,
  input: GdprErasureInput,
  subject: Subject,
  scope: CancellationScope,
): Promise<{ email: string } | { outcome: ErasureOutcome }> {
  const compensations: Compensation[] = [];
  try {
    const email = await scope.run(async () => {
      run.begin('validate');
      const found = await compensable.gdprLookupSubject(subject);
      if (!found.found) {
        run.complete('validate', { found: 0 });
        throw ApplicationFailure.create({
          type: FailureType.SubjectNotFound,
          nonRetryable: true,
          message: 'no such user in this tenant',
        });
      }
      if (found.legalHolds.length > 0) {
        run.complete('validate', { found: 1, legal_holds: found.legalHolds.length });
        throw ApplicationFailure.create({
          type: FailureType.LegalHold,
          nonRetryable: true,
          message: `the user is under legal hold: ${found.legalHolds.join('; ')}`,
        });
      }
      run.complete('validate', { found: 1, legal_holds: 0 });

      run.begin('suspend');
      // Pushed before the suspend runs: an attempt that failed or was cancelled may still have suspended the account,
      // and the restore is idempotent.
      compensations.push(async () => {
        const restored = await compensation.gdprRestoreAccount({ ...subject, previousStatus: found.status });
        const s = run.step('suspend');
        s.status = 'compensated';
        s.counts = { ...s.counts, 'postgres.account_restored': restored.restored };
      });
      const suspended = await compensable.gdprSuspendAccount(subject);
      run.complete('suspend', { 'postgres.sessions_revoked': suspended.sessionsRevoked });

      // No compensation: the purged cache refills on its own.
      run.begin('purge_cache');
      run.complete('purge_cache', await compensable.gdprPurgeCache({ ...subject, email: found.email }));
      return found.email;
    });
    if (run.cancelRequested) throw new CancelledBeforeNoReturn();
    return { email };
  } catch (err) {
    const cancelled =
      run.cancelRequested !== undefined || isCancellation(err) || err instanceof CancelledBeforeNoReturn;
    const current = run.running();
    const failure = err instanceof ActivityFailure || err instanceof ApplicationFailure;
    if (current && !cancelled) run.fail(current.name, err);
    if (current && cancelled) current.status = 'skipped';
    if (!cancelled && !failure) throw err;
    await CancellationScope.nonCancellable(async () => {
      for (const undo of compensations.reverse()) await undo();
    });
    const reason = cancelled
      ? `cancelled before the point of no return${run.cancelRequested?.reason ? `: ${run.cancelRequested.reason}` : ''}`
      : failureLine(err);
    return { outcome: await endBeforeNoReturn(run, input, cancelled ? 'cancelled' : 'rejected', reason) };
  }
}

/** Closes a request that ended before the point of no return and writes its audit row. */
async function endBeforeNoReturn(
  run: ErasureRun,
  input: GdprErasureInput,
  state: 'rejected' | 'cancelled',
  reason: string,
): Promise<ErasureOutcome> {
  run.close(state, reason);
  const info = workflowInfo();
  await CancellationScope.nonCancellable(() =>
    compensation.gdprRecordOutcome({
      requestId: input.requestId,
      tenantId: input.tenantId,
      subjectToken: run.status.subjectToken,
      state,
      reason,
      workflowId: info.workflowId,
      runId: info.runId,
    }),
  );
  return { state, reason, status: run.status };
}

/**
 * From the source erase on: every step runs until it succeeds (retries, then the operator), and verification repeats
 * the erasure until no store names the person.
 */
async function forwardPhase(
  run: ErasureRun,
  input: GdprErasureInput,
  known: Subject & { email: string },
  forward: ReturnType<typeof proxyActivities<GdprActivities>>,
  operatorNotify: PublishActivities['notify'],
): Promise<ErasureOutcome> {
  const info = workflowInfo();
  // The pseudonym that replaces the user id in every store (a negative bigint from the random token, schema/erasure);
  // the request time is the tombstone's deletion time. Both are fixed in history, so stable on replay.
  const erasure = { ...known, token: pseudonymOf(run.status.subjectToken), erasedAt: input.requestedAt };

  /** Notifies the operators and waits for their `retry` signal (state awaiting_operator meanwhile). */
  async function awaitOperator(what: string, reason: string): Promise<void> {
    run.status.state = 'awaiting_operator';
    run.status.reason = reason;
    await operatorNotify({
      severity: 'error',
      title: `GDPR erasure ${input.requestId} needs an operator (${what})`,
      text: reason,
      workflowId: info.workflowId,
      runId: info.runId,
    });
    await condition(() => run.retryRequested);
    run.retryRequested = false;
    run.status.reason = undefined;
  }

  /** Runs a forward step until it succeeds; when its retries are exhausted, waits for the operator's `retry`. */
  async function untilDone<T>(name: ErasureStepName, call: () => Promise<T>): Promise<T> {
    for (;;) {
      run.begin(name);
      run.status.state = 'running';
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof ActivityFailure) && !(err instanceof ApplicationFailure)) throw err;
        run.fail(name, err);
        await awaitOperator(
          `step ${name}`,
          `step ${name} failed after its retries: ${failureLine(err)}. Fix the cause, then signal "retry".`,
        );
      }
    }
  }

  run.complete('erase_source', await untilDone('erase_source', () => forward.gdprEraseSource(erasure)));
  let verification: StoreVerification[] = [];
  for (let round = 1; ; round++) {
    run.complete('erase_warehouse', await untilDone('erase_warehouse', () => forward.gdprEraseWarehouse(erasure)));
    run.complete('rewrite_objects', await untilDone('rewrite_objects', () => forward.gdprRewriteObjects(erasure)));
    verification = await untilDone('verify', () => forward.gdprVerifyErasure(known));
    const dirty = verification.filter((v) => v.occurrences > 0);
    run.complete('verify', Object.fromEntries(verification.map((v) => [v.store, v.occurrences])));
    if (dirty.length === 0) break;
    // Something still names the person (data landed meanwhile, e.g. a daily run reloading a day): erase again.
    const what = dirty.map((v) => `${v.store}: ${v.occurrences}`).join(', ');
    run.step('verify').status = 'failed';
    run.step('verify').error = `round ${round}: identifiers still found (${what})`;
    if (round >= 3) {
      await awaitOperator(
        'verify',
        `verification still finds the user's identifiers after ${round} rounds (${what}). Signal "retry" to erase and verify again.`,
      );
    }
  }
  const certificate = await untilDone('certificate', () =>
    forward.gdprIssueCertificate({
      request: {
        requestId: input.requestId,
        tenantId: input.tenantId,
        requestedBy: input.requestedBy,
        requestedAt: input.requestedAt,
      },
      subjectToken: run.status.subjectToken,
      steps: run.status.steps,
      verification,
      workflowId: info.workflowId,
      runId: info.runId,
    }),
  );
  run.complete('certificate', { verified_stores: verification.length });
  run.completed(certificate);
  return { state: 'completed' as const, status: run.status, certificate };
}

class CancelledBeforeNoReturn extends Error {
  override name = 'CancelledBeforeNoReturn';
}
