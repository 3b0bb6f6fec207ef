import { randomBytes, randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GdprActivities } from '../../activities/gdpr';
import type { PublishActivities } from '../../activities/publish';
import {
  cancelErasureUpdate,
  erasureStatusQuery,
  retryErasureSignal,
  type ErasureCertificate,
  type ErasureOutcome,
  type GdprErasureInput,
  type StoreVerification,
} from '../../workflows/gdpr-contract';
import { FailureType } from '../../schema/failure-types';
import { until } from '../helpers/until';
import { createWorkflowTestEnv, recording, type WorkflowTestEnv } from './workflow-env';

/**
 * The erasure saga's branches with stubbed activities: compensation before the point of no return (a failed step, a
 * legal hold, a cancel), and after it the operator wait (exhausted retries, then the `retry` signal) and repeated
 * verification. The real stores are exercised by test/e2e/gdpr-erasure.test.ts.
 */
let t: WorkflowTestEnv;
beforeAll(async () => {
  t = await createWorkflowTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.env.teardown();
});

type Stubs = Partial<GdprActivities> & Pick<PublishActivities, 'notify'>;
const returns =
  <T>(value: T) =>
  (): Promise<T> =>
    Promise.resolve(value);

/** Stub activities that record their calls; each step succeeds unless overridden. */
function stubs(overrides: Partial<Stubs> = {}) {
  const certificate = { certificateId: 'cert-1' } as ErasureCertificate;
  const base: Stubs = {
    gdprLookupSubject: returns({ found: true, status: 'active', email: 'p@example.com', legalHolds: [] }),
    gdprSuspendAccount: returns({ sessionsRevoked: 2 }),
    gdprRestoreAccount: returns({ restored: 1 }),
    gdprPurgeCache: returns({ 'redis.keys': 3 }),
    gdprEraseSource: returns({ 'postgres.users': 1 }),
    gdprEraseWarehouse: returns({ 'warehouse.dim_users': 1 }),
    gdprRewriteObjects: returns({ 'objects.raw': 4 }),
    gdprVerifyErasure: returns([{ store: 'postgres', scanned: 9, occurrences: 0 }]),
    gdprIssueCertificate: returns(certificate),
    gdprRecordOutcome: returns(undefined),
    notify: returns(undefined),
  };
  return recording({ ...base, ...overrides });
}

/** `er_` and 26 base32 characters, like the API's. */
const requestId = () => `er_${Array.from(randomBytes(26), (b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('')}`;

const input = (over: Partial<GdprErasureInput> = {}): GdprErasureInput => ({
  requestId: requestId(),
  tenantId: 'tenant-a',
  userId: 'user-42',
  requestedBy: 'test',
  requestedAt: '2026-12-01T10:00:00.000Z',
  ...over,
});

const start = (taskQueue: string, args: GdprErasureInput) =>
  t.env.client.workflow.start('gdprErasure', {
    taskQueue,
    workflowId: `gdpr-erasure:test-${randomUUID()}`,
    args: [args],
    workflowExecutionTimeout: '2 minutes',
  });

describe('gdprErasure before the point of no return', () => {
  it('a failed step unwinds the compensations (account restored to its status) and the request is rejected', async () => {
    const s = stubs({
      gdprPurgeCache: () =>
        Promise.reject(
          ApplicationFailure.create({ type: 'PermissionDenied', nonRetryable: true, message: 'no access' }),
        ),
    });
    const outcome = await t.withWorker(s.activities, async (taskQueue) => {
      const handle = await start(taskQueue, input());
      return (await handle.result()) as ErasureOutcome;
    });
    expect(outcome.state).toBe('rejected');
    expect(outcome.reason).toBe('PermissionDenied: no access');
    expect(s.names()).toEqual([
      'gdprLookupSubject',
      'gdprSuspendAccount',
      'gdprPurgeCache',
      'gdprRestoreAccount',
      'gdprRecordOutcome',
    ]);
    expect(s.calls.find(([n]) => n === 'gdprRestoreAccount')?.[1][0]).toMatchObject({
      tenantId: 'tenant-a',
      userId: 'user-42',
      previousStatus: 'active',
    });
    expect(s.calls.at(-1)?.[1][0]).toMatchObject({ state: 'rejected', reason: 'PermissionDenied: no access' });
    const steps = Object.fromEntries(outcome.status.steps.map((st) => [st.name, st]));
    expect(steps.validate?.status).toBe('completed');
    expect(steps.suspend).toMatchObject({ status: 'compensated', counts: { 'postgres.account_restored': 1 } });
    expect(steps.purge_cache).toMatchObject({ status: 'failed', error: 'PermissionDenied: no access' });
    expect(steps.erase_source?.status).toBe('skipped');
    expect(outcome.status.pointOfNoReturnPassed).toBe(false);
  });

  it('a legal hold rejects the request before anything changed: nothing to compensate', async () => {
    const s = stubs({
      gdprLookupSubject: returns({
        found: true,
        status: 'active',
        email: 'p@example.com',
        legalHolds: ['litigation 7'],
      }),
    });
    const outcome = await t.withWorker(s.activities, async (taskQueue) => {
      return (await (await start(taskQueue, input())).result()) as ErasureOutcome;
    });
    expect(outcome.state).toBe('rejected');
    expect(outcome.reason).toBe(`${FailureType.LegalHold}: the user is under legal hold: litigation 7`);
    expect(s.names()).toEqual(['gdprLookupSubject', 'gdprRecordOutcome']);
    expect(outcome.status.steps.map((st) => st.status)).toEqual([
      'completed',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
  });

  it('a cancel while a step runs cancels it, restores the account and answers with the cancelled status', async () => {
    const s = stubs({
      // Runs until cancelled (heartbeats carry the cancellation to the activity).
      gdprPurgeCache: async () => {
        const ctx = Context.current();
        for (;;) {
          ctx.heartbeat();
          await Promise.race([ctx.sleep(200), ctx.cancelled]);
        }
      },
    });
    const { status, outcome } = await t.withWorker(s.activities, async (taskQueue) => {
      const handle = await start(taskQueue, input());
      await until(
        'the purge_cache step',
        async () => ((await handle.query(erasureStatusQuery)).stage === 'purge_cache' ? true : undefined),
        { timeoutMs: 20_000 },
      );
      const status = await handle.executeUpdate(cancelErasureUpdate, {
        args: [{ requestedBy: 'test', reason: 'changed mind' }],
      });
      return { status, outcome: (await handle.result()) as ErasureOutcome };
    });
    expect(status.state).toBe('cancelled');
    expect(outcome).toMatchObject({
      state: 'cancelled',
      reason: 'cancelled before the point of no return: changed mind',
    });
    expect(s.names()).not.toContain('gdprEraseSource');
    expect(s.names().slice(-2)).toEqual(['gdprRestoreAccount', 'gdprRecordOutcome']);
    const steps = Object.fromEntries(outcome.status.steps.map((st) => [st.name, st.status]));
    expect(steps).toMatchObject({ validate: 'completed', suspend: 'compensated', purge_cache: 'skipped' });
  });
});

describe('gdprErasure after the point of no return', () => {
  it('a step out of retries waits for the operator (cancel refused), then goes on; a dirty verification erases again', async () => {
    let warehouseAttempts = 0;
    let verifications = 0;
    const s = stubs({
      gdprEraseWarehouse: () => {
        warehouseAttempts++;
        if (warehouseAttempts === 1) {
          return Promise.reject(ApplicationFailure.retryable('warehouse locked', 'TransientInfrastructure'));
        }
        return Promise.resolve({ 'warehouse.dim_users': 1 });
      },
      gdprVerifyErasure: (): Promise<StoreVerification[]> => {
        verifications++;
        return Promise.resolve([{ store: 'warehouse', scanned: 5, occurrences: verifications === 1 ? 2 : 0 }]);
      },
    });
    const { waiting, refusal, outcome } = await t.withWorker(s.activities, async (taskQueue) => {
      // One attempt per step: the first failure exhausts the retries at once.
      const handle = await start(taskQueue, input({ maxStepAttempts: 1 }));
      const waiting = await until(
        'the operator wait',
        async () => {
          const st = await handle.query(erasureStatusQuery);
          return st.state === 'awaiting_operator' ? st : undefined;
        },
        { timeoutMs: 20_000 },
      );
      const refusal = await handle
        .executeUpdate(cancelErasureUpdate, { args: [{ requestedBy: 'test' }] })
        .then(() => undefined)
        .catch((err: unknown) => err);
      await handle.signal(retryErasureSignal);
      return { waiting, refusal, outcome: (await handle.result()) as ErasureOutcome };
    });
    expect(waiting).toMatchObject({ stage: 'erase_warehouse', pointOfNoReturnPassed: true });
    expect(waiting.reason).toContain(
      'step erase_warehouse failed after its retries: TransientInfrastructure: warehouse locked',
    );
    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refusal as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      FailureType.PointOfNoReturnPassed,
    );
    expect(outcome.state).toBe('completed');
    expect(outcome.certificate).toEqual({ certificateId: 'cert-1' });
    expect(s.names()).toEqual([
      'gdprLookupSubject',
      'gdprSuspendAccount',
      'gdprPurgeCache',
      'gdprEraseSource',
      'gdprEraseWarehouse',
      'notify',
      'gdprEraseWarehouse',
      'gdprRewriteObjects',
      'gdprVerifyErasure',
      // Round 2: the first verification still found the person.
      'gdprEraseWarehouse',
      'gdprRewriteObjects',
      'gdprVerifyErasure',
      'gdprIssueCertificate',
    ]);
    expect(s.calls.find(([n]) => n === 'notify')?.[1][0]).toMatchObject({ severity: 'error' });
    expect(s.names()).not.toContain('gdprRestoreAccount');
    expect(outcome.status.steps.every((st) => st.status === 'completed')).toBe(true);
  });
});
