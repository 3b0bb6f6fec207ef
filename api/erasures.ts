import { createHmac } from 'node:crypto';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { type z } from 'zod';
import { erasureWorkflowId, newErasureRequestId } from '../security/subject-ids';
import {
  cancelErasureUpdate,
  ERASURE_FAILURE_TYPES,
  erasureStatusQuery,
  type CancelRequest,
  type ErasureCertificate,
  type ErasureOutcome,
  type ErasureStatus,
  type GdprErasureInput,
} from '../workflows/gdpr-contract';
import { RequestId, TenantId } from '../workflows/search-attributes';
import { ApiError, notFound } from './errors';
import type { Principal } from './keys';
import type { createErasureBody, requestStateSchema } from './schemas';

export const GDPR_ERASURE_WORKFLOW_TYPE = 'gdprErasure';

export interface ErasureRow {
  requestId: string;
  workflowId: string;
  runId: string;
  tenantId: string;
}

interface RowRecord {
  request_id: string;
  workflow_id: string;
  run_id: string;
  tenant_id: string;
}
const toRow = (r: RowRecord): ErasureRow => ({
  requestId: r.request_id,
  workflowId: r.workflow_id,
  runId: r.run_id,
  tenantId: r.tenant_id,
});

export type RequestState = z.infer<typeof requestStateSchema>;

export interface RequestView {
  row: ErasureRow;
  state: RequestState;
  execution: string;
  status: ErasureStatus | null;
}

export interface ErasureServiceDeps {
  temporal: Client;
  pool: pg.Pool;
  subjectKey: Buffer;
  taskQueue: string;
  now: () => Date;
  /** Deadline for queries and updates, which need a worker to answer. @default 10s */
  workerDeadlineMs?: number;
}

/** Can this principal see requests of `tenantId`? A tenant-bound key sees only its tenant. */
export const canSee = (p: Principal, tenantId: string) => p.tenantId === null || p.tenantId === tenantId;

/**
 * The erasure requests behind the HTTP routes: starts the saga (never a second workflow for one user), maps request
 * ids to runs through the platform store, and reads status, cancels and fetches certificates from Temporal.
 */
export class ErasureService {
  private readonly deadlineMs: number;

  constructor(private readonly deps: ErasureServiceDeps) {
    this.deadlineMs = deps.workerDeadlineMs ?? 10_000;
  }

  private mac(kind: string, text: string): string {
    return createHmac('sha256', this.deps.subjectKey).update(`${kind}\u0000${text}`).digest('hex');
  }

  /**
   * Creates (or finds) the request. The same Idempotency-Key of the same API key resolves to the request it first
   * resolved to (a different body → 422); a request for a user whose erasure is open resolves to the open one
   * (workflow id conflict policy USE_EXISTING; the run's RequestId search attribute names its request).
   */
  async create(
    principal: Principal,
    body: z.infer<typeof createErasureBody>,
    idempotencyKey: string,
  ): Promise<{ row: ErasureRow; replayed: boolean }> {
    const { pool, temporal } = this.deps;
    const idemHash = this.mac('idempotency-key', `${principal.keyId}\u0000${idempotencyKey}`);
    const requestHash = this.mac(
      'request',
      JSON.stringify([body.tenantId, body.userId, body.requestedBy, body.reason ?? null]),
    );
    const previous = await this.findByIdempotencyKey(principal.keyId, idemHash, requestHash);
    if (previous) return { row: previous, replayed: true };

    const workflowId = erasureWorkflowId(body.tenantId, body.userId, this.deps.subjectKey);
    const requestId = newErasureRequestId();
    const input: GdprErasureInput = {
      requestId,
      tenantId: body.tenantId,
      userId: body.userId,
      requestedBy: body.requestedBy,
      ...(body.reason !== undefined ? { reason: body.reason } : {}),
      requestedAt: this.deps.now().toISOString(),
    };
    const handle = await temporal.workflow.start(GDPR_ERASURE_WORKFLOW_TYPE, {
      taskQueue: this.deps.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [
        { key: TenantId, value: body.tenantId },
        { key: RequestId, value: requestId },
      ],
      staticSummary: `GDPR erasure request ${requestId}`,
    });
    const runId = handle.firstExecutionRunId;
    let row = await this.findByRunId(runId);
    if (!row) {
      // Ours, or an open run started by someone whose bookkeeping has not landed yet: its search attribute says.
      const described = await temporal.workflow.getHandle(workflowId, runId).describe();
      const owner = described.typedSearchAttributes.get(RequestId) ?? requestId;
      await pool.query(
        `insert into platform.erasure_requests
           (request_id, workflow_id, run_id, tenant_id, api_key_id, idempotency_key_hash, request_hash, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
        [owner, workflowId, runId, body.tenantId, principal.keyId, idemHash, requestHash, this.deps.now()],
      );
      row = await this.findByRunId(runId);
      if (!row) throw new Error(`erasure request for run ${runId} could not be recorded`);
    }
    await pool.query(
      `insert into platform.idempotency_keys (api_key_id, idempotency_key_hash, request_hash, request_id)
       values ($1, $2, $3, $4) on conflict do nothing`,
      [principal.keyId, idemHash, requestHash, row.requestId],
    );
    // A concurrent call with the same key may have won: answer what the key resolved to.
    const resolved = await this.findByIdempotencyKey(principal.keyId, idemHash, requestHash);
    return { row: resolved ?? row, replayed: false };
  }

  private async findByIdempotencyKey(keyId: string, idemHash: string, requestHash: string) {
    const { rows } = await this.deps.pool.query<RowRecord & { request_hash: string }>(
      `select r.request_id, r.workflow_id, r.run_id, r.tenant_id, i.request_hash
         from platform.idempotency_keys i join platform.erasure_requests r using (request_id)
        where i.api_key_id = $1 and i.idempotency_key_hash = $2`,
      [keyId, idemHash],
    );
    const hit = rows[0];
    if (!hit) return undefined;
    if (hit.request_hash !== requestHash) {
      throw new ApiError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was already used with a different request body; use a new key for a new request',
      );
    }
    return toRow(hit);
  }

  private async findByRunId(runId: string): Promise<ErasureRow | undefined> {
    const { rows } = await this.deps.pool.query<RowRecord>(
      'select request_id, workflow_id, run_id, tenant_id from platform.erasure_requests where run_id = $1',
      [runId],
    );
    return rows[0] && toRow(rows[0]);
  }

  /** The request, or 404 when unknown or of a tenant the principal may not see (indistinguishable on purpose). */
  async find(principal: Principal, requestId: string): Promise<ErasureRow> {
    const { rows } = await this.deps.pool.query<RowRecord>(
      'select request_id, workflow_id, run_id, tenant_id from platform.erasure_requests where request_id = $1',
      [requestId],
    );
    const row = rows[0] && toRow(rows[0]);
    if (!row) throw notFound();
    if (!canSee(principal, row.tenantId)) throw Object.assign(notFound(), { denied: true });
    return row;
  }

  private handle(row: ErasureRow) {
    return this.deps.temporal.workflow.getHandle(row.workflowId, row.runId);
  }

  private async describe(row: ErasureRow): Promise<WorkflowExecutionDescription> {
    try {
      return await this.handle(row).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new ApiError(410, 'gone', 'the workflow run of this request no longer exists in Temporal (retention)');
      }
      throw err;
    }
  }

  /** Runs a call that needs a worker (query, update) under a deadline; 503 when no worker answers in time. */
  private async withWorker<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.deps.temporal.connection.withDeadline(Date.now() + this.deadlineMs, fn);
    } catch (err) {
      // The client wraps the gRPC error (ServiceError with the status in `cause.code`).
      const e = err as { code?: number; cause?: { code?: number } };
      const code = e.code ?? e.cause?.code;
      // gRPC DEADLINE_EXCEEDED (4) or UNAVAILABLE (14) while the server waited for a worker, or CANCELLED (1): the
      // client cancels the call when our deadline passes first (an update then throws
      // WorkflowUpdateRPCTimeoutOrCancelledError; found by the fuzz test, it was a 500).
      if (code === 4 || code === 14 || code === 1 || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        throw new ApiError(
          503,
          'worker_unavailable',
          `the erasure workflow is running but no worker answered the ${what} in time; retry later`,
          undefined,
          { 'retry-after': '5' },
        );
      }
      throw err;
    }
  }

  /** Status: the `status` query while the run is open; the workflow result once it closed (no worker needed). */
  async view(row: ErasureRow): Promise<RequestView & { outcome?: ErasureOutcome }> {
    const described = await this.describe(row);
    const execution = described.status.name;
    if (execution === 'RUNNING') {
      const status = await this.withWorker('status query', () => this.handle(row).query(erasureStatusQuery));
      return { row, execution, state: status.state, status };
    }
    if (execution === 'COMPLETED') {
      const outcome = (await this.handle(row).result()) as ErasureOutcome;
      return { row, execution, state: outcome.state, status: outcome.status, outcome };
    }
    const closed: Record<string, RequestState> = {
      FAILED: 'failed',
      TERMINATED: 'terminated',
      TIMED_OUT: 'timed_out',
      CANCELLED: 'cancelled',
      CONTINUED_AS_NEW: 'running',
    };
    return { row, execution, state: closed[execution] ?? 'failed', status: null };
  }

  /** Cancels through the workflow's update; its validator's refusals become 409s. */
  async cancel(row: ErasureRow, request: CancelRequest): Promise<ErasureStatus> {
    const described = await this.describe(row);
    if (described.status.name !== 'RUNNING') {
      throw new ApiError(409, 'already_finished', `the request is already finished (${described.status.name})`);
    }
    try {
      return await this.withWorker('cancel', () =>
        this.handle(row).executeUpdate(cancelErasureUpdate, { args: [request] }),
      );
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure) {
        if (cause.type === ERASURE_FAILURE_TYPES.pointOfNoReturnPassed) {
          throw new ApiError(
            409,
            'point_of_no_return_passed',
            'the erasure already started deleting source data and can no longer be cancelled',
          );
        }
        if (cause.type === ERASURE_FAILURE_TYPES.alreadyFinished) {
          throw new ApiError(409, 'already_finished', 'the request is already finished');
        }
        throw new ApiError(409, 'cancel_refused', `the workflow refused the cancel: ${cause.message}`);
      }
      if (err instanceof WorkflowNotFoundError) {
        throw new ApiError(409, 'already_finished', 'the request is already finished');
      }
      throw err;
    }
  }

  /** The certificate of a completed request; 409 not_ready while running, 409 not_issued when it ended otherwise. */
  async certificate(row: ErasureRow): Promise<ErasureCertificate> {
    const described = await this.describe(row);
    const execution = described.status.name;
    if (execution === 'RUNNING') {
      throw new ApiError(409, 'not_ready', 'the erasure is still running; the certificate is issued when it completes');
    }
    if (execution === 'COMPLETED') {
      const outcome = (await this.handle(row).result()) as ErasureOutcome;
      if (outcome.certificate) return outcome.certificate;
      throw new ApiError(
        409,
        'not_issued',
        `no certificate: the request ended ${outcome.state}${outcome.reason ? ` (${outcome.reason})` : ''}`,
      );
    }
    throw new ApiError(409, 'not_issued', `no certificate: the workflow run ended ${execution.toLowerCase()}`);
  }
}
