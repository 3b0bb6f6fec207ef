import type pg from 'pg';

/** One audit row (platform.audit_log). Never holds a user id, an email or a request body. */
export interface AuditEntry {
  occurredAt: Date;
  tenantId: string | null;
  /** API key id, or `anonymous`. */
  actor: string;
  action: string;
  resource: string;
  outcome: 'success' | 'failure' | 'denied';
  workflowId?: string;
  runId?: string;
  details: { status: number; code?: string; durationMs: number; method: string };
}

/**
 * Writes audit rows off the response path: entries queue in memory and are inserted in batches (one multi-row
 * INSERT) every `intervalMs` or when `batchSize` are waiting. A failed insert keeps the rows for the next attempt
 * (bounded by `maxQueued`; beyond it the oldest are dropped and the loss is logged, never silently). `close()`
 * flushes what is left.
 */
export class AuditWriter {
  private queue: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly onError: (err: unknown, dropped: number) => void,
    private readonly opts = { intervalMs: 200, batchSize: 200, maxQueued: 50_000 },
  ) {}

  write(entry: AuditEntry): void {
    this.queue.push(entry);
    if (this.queue.length > this.opts.maxQueued) {
      const dropped = this.queue.splice(0, this.queue.length - this.opts.maxQueued).length;
      this.onError(new Error('audit queue overflow'), dropped);
    }
    if (this.queue.length >= this.opts.batchSize) void this.flush();
    else if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => void this.flush(), this.opts.intervalMs);
      this.timer.unref();
    }
  }

  /** Inserts everything queued so far (waits for a flush already running first). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.insert(batch)
      .catch((err: unknown) => {
        this.queue = batch.concat(this.queue);
        this.onError(err, 0);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async insert(batch: AuditEntry[]): Promise<void> {
    const values: unknown[] = [];
    const rows = batch.map((e, i) => {
      values.push(
        e.occurredAt,
        e.tenantId,
        e.actor,
        e.action,
        e.resource,
        e.outcome,
        e.workflowId ?? null,
        e.runId ?? null,
        JSON.stringify(e.details),
      );
      const b = i * 9;
      return `($${b + 1}, $${b + 2}, $${b + 3}, 'api_client', $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}::jsonb)`;
    });
    await this.pool.query(
      `insert into platform.audit_log
         (occurred_at, tenant_id, actor, actor_type, action, resource, outcome, workflow_id, run_id, details)
       values ${rows.join(', ')}`,
      values,
    );
  }
}
