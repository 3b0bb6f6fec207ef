import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  EraseTableResult,
  LakeRewriter,
  ObjectStore,
  ParquetWriter,
  PartitionLock,
  SubjectCache,
  SubjectStore,
  Warehouse,
  StreamStore,
} from '../../adapters/ports';
import { warehouseReferenceColumns } from '../../schema/erasure';
import type { Dataset } from '../../schema/warehouse/types';
import type {
  ErasureCertificate,
  ErasureStep,
  GdprErasureInput,
  ResidualCopy,
  StoreVerification,
} from '../../workflows/gdpr-contract';
import { asActivityFailure } from '../failures';
import { withHeartbeat } from '../heartbeat';
import { writeAuditRow as writeAudit } from '../operations-rows';
import { Coalescer, type BatchOptions } from './batcher';
import { eraseUsersFromObjects, type ObjectErasureResult } from './lake-erasure';
import { scanObjectsForUsers, type ObjectScanResult } from './lake-scan';

export interface Subject {
  tenantId: string;
  userId: string;
}
export interface KnownSubject extends Subject {
  email: string;
}
/** What the forward steps need: the person, their pseudonym (schema/erasure `pseudonymOf`) and the request time. */
export interface ErasureInput extends KnownSubject {
  /** The pseudonym that replaces the user id: a negative bigint in decimal. */
  token: string;
  /** ISO time of the request: the tombstone's deletion time in every store. */
  erasedAt: string;
}

export type LookupResult = { found: false } | { found: true; status: string; email: string; legalHolds: string[] };

/** How long copies outside our reach keep the data after erasure, per platform (shown on the certificate). */
export interface ResidualPolicy {
  platform: 'local' | 'gcp';
  /** BigQuery time travel window (7 days by default; the fail-safe adds 7 more). */
  warehouseTimeTravelDays: number;
  /** GCS soft-delete retention of the lake buckets. */
  objectSoftDeleteDays: number;
  /** Retention of source database backups (Cloud SQL automated backups / PITR). */
  sourceBackupDays: number;
}
export const DEFAULT_RESIDUAL_POLICY: ResidualPolicy = {
  platform: 'local',
  warehouseTimeTravelDays: 7,
  objectSoftDeleteDays: 7,
  sourceBackupDays: 7,
};

export interface GdprActivityDeps {
  subjects: SubjectStore;
  /** The real-time consumers' state store (erased with the source, scanned with it). @default none */
  streams?: StreamStore;
  cache: SubjectCache;
  warehouse: Warehouse;
  store: ObjectStore;
  /** Rewrites lake Parquet files (DuckDB). */
  rewriter: LakeRewriter;
  /** Writes the audit rows' Parquet. */
  parquet: ParquetWriter;
  dataset: Dataset;
  lock: PartitionLock;
  residual?: ResidualPolicy;
  /** Retention of closed workflow histories in the namespace, ms (asked of the server; the request's own history). */
  historyRetentionMs?: () => Promise<number>;
  /**
   * How concurrent erasures share the lake and warehouse passes (activities/gdpr/batcher.ts): the lake rewrite, the
   * lake scan and the warehouse scan of every subject pending in this worker run as one pass each. @default
   * { windowMs: 1000, maxSubjects: 100 }
   */
  batch?: BatchOptions;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

/** Canonical JSON (sorted keys), so the certificate digest does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString();
}

/** What remains outside the saga's reach and when it goes on its own. */
export function residualCopies(
  policy: ResidualPolicy,
  completedAt: string,
  historyRetentionMs: number,
): ResidualCopy[] {
  const history: ResidualCopy = {
    store: 'temporal',
    description:
      'Workflow history of this request (payloads AES-256-GCM encrypted), deleted with the namespace retention',
    expiresAt: new Date(Date.parse(completedAt) + historyRetentionMs).toISOString(),
  };
  if (policy.platform === 'local') return [history];
  return [
    {
      store: 'bigquery',
      description: 'Time travel and fail-safe copies of the changed warehouse tables',
      expiresAt: addDays(completedAt, policy.warehouseTimeTravelDays + 7),
    },
    {
      store: 'gcs',
      description: 'Soft-deleted generations of the rewritten lake objects',
      expiresAt: addDays(completedAt, policy.objectSoftDeleteDays),
    },
    {
      store: 'cloudsql',
      description: 'Automated backups and point-in-time recovery logs of the source database',
      expiresAt: addDays(completedAt, policy.sourceBackupDays),
    },
    history,
  ];
}

/**
 * The GDPR erasure saga's activities. Each is idempotent (a retry finds the work done and reports zeros), and none
 * returns or throws personal data except `gdprLookupSubject`, whose result the saga keeps in its encrypted history.
 */
export function createGdprActivities(deps: GdprActivityDeps) {
  const residual = deps.residual ?? DEFAULT_RESIDUAL_POLICY;
  // One pass per batch of pending subjects (see batcher.ts); each activity still gets only its own subject's result.
  const lakeErasure = new Coalescer<ErasureInput, ObjectErasureResult>(
    'lake_erasure',
    (inputs) => eraseUsersFromObjects(deps, inputs, { lock: deps.lock }),
    deps.batch,
  );
  const warehouseErasure = new Coalescer<ErasureInput, EraseTableResult[]>(
    'warehouse_erasure',
    async (inputs) => {
      const subjects = inputs.map((i) => ({
        tenantId: i.tenantId,
        userId: i.userId,
        email: i.email,
        token: i.token,
        erasedAt: i.erasedAt,
      }));
      if (deps.warehouse.eraseUsers) return deps.warehouse.eraseUsers({ dataset: deps.dataset, subjects });
      const out: EraseTableResult[][] = [];
      for (const subject of subjects) out.push(await deps.warehouse.eraseUser({ dataset: deps.dataset, subject }));
      return out;
    },
    deps.batch,
  );
  const lakeScan = new Coalescer<KnownSubject, ObjectScanResult[]>(
    'lake_scan',
    (subjects) => scanObjectsForUsers(deps, subjects),
    deps.batch,
  );
  const warehouseScan = new Coalescer<KnownSubject, { scanned: number; occurrences: number }>(
    'warehouse_scan',
    (subjects) => scanWarehouseMany(deps.warehouse, deps.dataset, subjects),
    deps.batch,
  );
  return {
    async gdprLookupSubject(s: Subject): Promise<LookupResult> {
      return asActivityFailure(async () => {
        const record = await deps.subjects.lookup(s);
        if (!record) return { found: false };
        return { found: true, status: record.status, email: record.email, legalHolds: record.legalHolds };
      });
    },

    async gdprSuspendAccount(s: Subject): Promise<{ sessionsRevoked: number }> {
      return asActivityFailure(() => deps.subjects.suspend(s));
    },

    /** Compensation of gdprSuspendAccount. */
    async gdprRestoreAccount(input: Subject & { previousStatus: string }): Promise<{ restored: number }> {
      return asActivityFailure(async () => {
        const { restored } = await deps.subjects.restore(input, input.previousStatus);
        return { restored: restored ? 1 : 0 };
      });
    },

    async gdprPurgeCache(s: KnownSubject): Promise<Record<string, number>> {
      return asActivityFailure(async () => {
        const r = await deps.cache.purge(s);
        return { 'redis.keys': r.keysDeleted, 'redis.events': r.eventsDeleted };
      });
    },

    /** The point of no return: the person's identity leaves the source database; their activity keeps the pseudonym. */
    async gdprEraseSource(s: ErasureInput): Promise<Record<string, number>> {
      return asActivityFailure(async () => {
        const counts = await deps.subjects.erase(s);
        // The real-time state store (schema `stream`) buffers the person's recent events and names them in incidents.
        const stream = deps.streams ? await deps.streams.erase(s) : {};
        return Object.fromEntries(
          [...Object.entries(counts), ...Object.entries(stream)].map(([t, n]) => [`postgres.${t}`, n]),
        );
      });
    },

    /** The subject's share of a batched warehouse pass: every table's statements come from the one plan (schema/erasure). */
    async gdprEraseWarehouse(input: ErasureInput): Promise<Record<string, number>> {
      return asActivityFailure(async () => {
        const counts: Record<string, number> = {};
        const remaining: string[] = [];
        // Joins the worker's next warehouse pass (one statement per table and kind for the whole batch); the results
        // and the remaining-rows check are this subject's own.
        const results = await withHeartbeat(() => warehouseErasure.submit(input));
        for (const r of results) {
          if (r.action === 'skip') continue;
          counts[`warehouse.${r.table}`] = r.affected;
          if (r.remaining > 0) remaining.push(`${r.table} (${r.remaining})`);
        }
        if (remaining.length > 0) {
          throw ApplicationFailure.retryable(`rows still name the user after erasure: ${remaining.join(', ')}`);
        }
        return counts;
      });
    },

    async gdprRewriteObjects(input: ErasureInput): Promise<Record<string, number>> {
      return asActivityFailure(async () => {
        const ctx = Context.current();
        ctx.cancellationSignal.throwIfAborted();
        // Joins the worker's next lake pass; heartbeats while it waits and while the pass runs. The pass goes on if
        // this activity is cancelled (it serves other subjects; a rerun finds the work done).
        const result = await withHeartbeat(() => lakeErasure.submit(input));
        const counts: Record<string, number> = {};
        for (const [zone, z] of Object.entries(result.zones)) {
          counts[`objects.${zone}.rewritten`] = z.objectsRewritten;
          counts[`objects.${zone}.rows_deleted`] = z.rowsDeleted;
          counts[`objects.${zone}.rows_tokenised`] = z.rowsTokenised;
          if (z.unclassified.length > 0) counts[`objects.${zone}.unclassified`] = z.unclassified.length;
        }
        return counts;
      });
    },

    /** Independent scan of every store for the person's identifiers; zero everywhere is what completion means. */
    async gdprVerifyErasure(s: KnownSubject): Promise<StoreVerification[]> {
      return asActivityFailure(async () => {
        const ctx = Context.current();
        const out: StoreVerification[] = [];
        const source = await deps.subjects.scan(s);
        const stream = deps.streams ? await deps.streams.scan(s) : { scanned: 0, occurrences: {} };
        out.push({
          store: 'postgres',
          scanned: source.scanned + stream.scanned,
          occurrences: sum(source.occurrences) + sum(stream.occurrences),
        });
        ctx.cancellationSignal.throwIfAborted();
        // The warehouse and lake scans join the worker's next batched pass; the counts returned are this subject's own.
        const [warehouse, objects] = await withHeartbeat(() =>
          Promise.all([warehouseScan.submit(s), lakeScan.submit(s)]),
        );
        out.push({ store: 'warehouse', ...warehouse });
        for (const o of objects) out.push({ store: o.store, scanned: o.scanned, occurrences: o.occurrences });
        const cache = await deps.cache.scan(s);
        out.push({ store: 'redis', scanned: cache.scanned, occurrences: cache.occurrences });
        return out;
      });
    },

    /** Issues the certificate (digest over its canonical JSON) and writes the request's audit_log row. */
    async gdprIssueCertificate(input: {
      request: Pick<GdprErasureInput, 'requestId' | 'tenantId' | 'requestedBy' | 'requestedAt'>;
      subjectToken: string;
      steps: ErasureStep[];
      verification: StoreVerification[];
      workflowId: string;
      runId: string;
    }): Promise<ErasureCertificate> {
      return asActivityFailure(async () => {
        const completedAt = new Date().toISOString();
        const body: Omit<ErasureCertificate, 'digest'> = {
          certificateId: `cert_${createHash('sha256').update(`${input.workflowId}/${input.runId}`).digest('hex').slice(0, 24)}`,
          requestId: input.request.requestId,
          tenantId: input.request.tenantId,
          subjectToken: input.subjectToken,
          requestedBy: input.request.requestedBy,
          requestedAt: input.request.requestedAt,
          completedAt,
          workflowId: input.workflowId,
          runId: input.runId,
          steps: input.steps
            .filter((s) => s.status === 'completed')
            .map((s) => ({
              name: s.name,
              startedAt: s.startedAt ?? '',
              finishedAt: s.finishedAt ?? '',
              counts: s.counts,
            })),
          verification: input.verification,
          residualCopies: residualCopies(
            residual,
            completedAt,
            deps.historyRetentionMs ? await deps.historyRetentionMs() : 30 * 86_400_000,
          ),
        };
        const certificate: ErasureCertificate = {
          ...body,
          digest: createHash('sha256').update(canonicalJson(body)).digest('hex'),
        };
        await writeAudit(deps, {
          auditId: `${input.workflowId}/${input.runId}:gdpr.erasure.completed`,
          tenantId: input.request.tenantId,
          action: 'gdpr.erasure.completed',
          resource: input.request.requestId,
          subjectToken: input.subjectToken,
          outcome: 'success',
          workflowId: input.workflowId,
          runId: input.runId,
          details: { certificateId: certificate.certificateId, digest: certificate.digest },
        });
        return certificate;
      });
    },

    /** Audit row for a request that ended without erasure (rejected or cancelled). */
    async gdprRecordOutcome(input: {
      requestId: string;
      tenantId: string;
      subjectToken: string;
      state: 'rejected' | 'cancelled';
      reason: string;
      workflowId: string;
      runId: string;
    }): Promise<void> {
      return asActivityFailure(() =>
        writeAudit(deps, {
          auditId: `${input.workflowId}/${input.runId}:gdpr.erasure.${input.state}`,
          tenantId: input.tenantId,
          action: `gdpr.erasure.${input.state}`,
          resource: input.requestId,
          subjectToken: input.subjectToken,
          outcome: input.state === 'rejected' ? 'denied' : 'failure',
          workflowId: input.workflowId,
          runId: input.runId,
          details: { reason: input.reason },
        }),
      );
    },
  };
}

/**
 * Counts, in every warehouse table, rows whose person-reference columns (schema/erasure) equal the user id and rows
 * where any STRING or JSON column contains the email (within the subject's tenant where the table has a `tenant_id`:
 * emails are per tenant, as the erasure rules match them; the id is the User Module's global key). Equality, not
 * substring, for the id: ids are small integers that occur inside other numbers.
 */
export async function scanWarehouse(
  warehouse: Warehouse,
  dataset: Dataset,
  s: KnownSubject,
): Promise<{ scanned: number; occurrences: number }> {
  const [one] = await scanWarehouseMany(warehouse, dataset, [s]);
  return one as { scanned: number; occurrences: number };
}

/**
 * `scanWarehouse` for many subjects: one query per table, each subject's conditions (its own parameters) counted in
 * a column of its own, so element i is exactly what scanning for subject i alone finds.
 */
export async function scanWarehouseMany(
  warehouse: Warehouse,
  dataset: Dataset,
  subjects: KnownSubject[],
): Promise<Array<{ scanned: number; occurrences: number }>> {
  const out = subjects.map(() => ({ scanned: 0, occurrences: 0 }));
  if (subjects.length === 0) return out;
  const references = warehouseReferenceColumns();
  for (const table of dataset.tables) {
    const idColumns = table.columns.filter((c) => c.type === 'STRING' && references[table.name]?.includes(c.name));
    const textColumns = table.columns.filter((c) => c.type === 'STRING' || c.type === 'JSON');
    for (const o of out) o.scanned++;
    if (idColumns.length === 0 && textColumns.length === 0) continue;
    const params: Record<string, string> = {};
    const tenantScoped = table.columns.some((c) => c.name === 'tenant_id');
    const conditions = subjects.map((s, i) => {
      if (idColumns.length > 0) params[`user_${i}`] = s.userId;
      if (textColumns.length > 0) params[`email_${i}`] = s.email.toLowerCase();
      if (tenantScoped && textColumns.length > 0) params[`tenant_${i}`] = s.tenantId;
      const inTenant = tenantScoped ? ` and cast(tenant_id as string) = @tenant_${i}` : '';
      return [
        ...idColumns.map((c) => `${c.name} = @user_${i}`),
        ...textColumns.map((c) => `strpos(lower(cast(${c.name} as string)), @email_${i}) > 0${inTenant}`),
      ].join(' or ');
    });
    const rows = await warehouse.query(
      `select ${conditions.map((c, i) => `coalesce(sum(case when ${c} then 1 else 0 end), 0) as n_${i}`).join(', ')} ` +
        `from ${dataset.name}.${table.name} where ${conditions.map((c) => `(${c})`).join(' or ')}`,
      params,
    );
    out.forEach((o, i) => {
      o.occurrences += Number(rows[0]?.[`n_${i}`] ?? 0);
    });
  }
  return out;
}

export type GdprActivities = ReturnType<typeof createGdprActivities>;
