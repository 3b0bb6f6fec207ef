import type pg from 'pg';
import { ErrorType, PlatformError } from '../errors';
import type { SubjectRecord, SubjectRef, SubjectStore } from '../ports';
import { classify, sourcePool, type PostgresSourceOptions } from '../source/postgres';
import { paramValues, PSEUDONYM, sourceReferenceColumns, sourceStatements } from '../../schema/erasure';

/** Source ids are bigint; anything else cannot name a user (and must never reach SQL as a cast error). */
const BIGINT_ID = /^[1-9]\d{0,18}$/;

/** The erasure statements and the scanned reference columns, generated from the one plan in schema/erasure. */
const ERASE_STATEMENTS = sourceStatements();
const USER_REFERENCES = sourceReferenceColumns();

/**
 * SubjectStore over node-postgres (the local cluster or Cloud SQL). Errors never quote the person's identifiers:
 * they travel to Temporal as failure messages.
 */
export class PostgresSubjectStore implements SubjectStore {
  readonly pool: pg.Pool;

  constructor(options: PostgresSourceOptions) {
    this.pool = sourcePool(options, 'hire10x-analytics-gdpr');
  }

  private async run<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw classify(err, what);
    }
    try {
      return await fn(client);
    } catch (err) {
      throw classify(err, what);
    } finally {
      client.release();
    }
  }

  async lookup(subject: SubjectRef): Promise<SubjectRecord | undefined> {
    if (!BIGINT_ID.test(subject.userId) || !BIGINT_ID.test(subject.tenantId)) return undefined;
    return this.run('look up the subject', async (c) => {
      const user = await c.query<{ status: string; email: string }>(
        'select status, email from users where user_id = $1 and tenant_id = $2',
        [subject.userId, subject.tenantId],
      );
      const row = user.rows[0];
      if (!row) return undefined;
      const holds = await c.query<{ reason: string }>(
        'select reason from legal_holds where user_id = $1 and tenant_id = $2 order by created_at',
        [subject.userId, subject.tenantId],
      );
      return { status: row.status, email: row.email, legalHolds: holds.rows.map((h) => h.reason) };
    });
  }

  async suspend(subject: SubjectRef): Promise<{ sessionsRevoked: number }> {
    return this.run('suspend the account', async (c) => {
      await c.query('begin');
      try {
        await c.query(
          `update users set status = 'suspended', updated_at = greatest(now(), created_at)
           where user_id = $1 and tenant_id = $2 and status in ('invited', 'active')`,
          [subject.userId, subject.tenantId],
        );
        const sessions = await c.query(
          'update sessions set ended_at = greatest(now(), started_at) where user_id = $1 and tenant_id = $2 and ended_at is null',
          [subject.userId, subject.tenantId],
        );
        await c.query('commit');
        return { sessionsRevoked: sessions.rowCount ?? 0 };
      } catch (err) {
        await c.query('rollback').catch(() => undefined);
        throw err;
      }
    });
  }

  async restore(subject: SubjectRef, previousStatus: string): Promise<{ restored: boolean }> {
    if (previousStatus !== 'invited' && previousStatus !== 'active') return { restored: false };
    return this.run('restore the account', async (c) => {
      const res = await c.query(
        `update users set status = $3, updated_at = greatest(now(), created_at)
         where user_id = $1 and tenant_id = $2 and status = 'suspended'`,
        [subject.userId, subject.tenantId, previousStatus],
      );
      return { restored: (res.rowCount ?? 0) > 0 };
    });
  }

  /**
   * Erases the person in one transaction (schema/erasure `sourceStatements`): a tombstone users row under the
   * pseudonym `token`, their own rows re-keyed to it with personal columns NULL, references from other people's rows
   * cleared, the identity row deleted. Idempotent: once the users row is gone every count is zero.
   */
  async erase(
    subject: SubjectRef & { email: string; token: string; erasedAt: string },
  ): Promise<Record<string, number>> {
    if (!BIGINT_ID.test(subject.userId) || !BIGINT_ID.test(subject.tenantId)) {
      throw new PlatformError(ErrorType.InvalidInput, 'user and tenant ids must be positive integers');
    }
    if (!PSEUDONYM.test(subject.token)) {
      throw new PlatformError(ErrorType.InvalidInput, 'the pseudonym must be a negative integer');
    }
    if (Number.isNaN(Date.parse(subject.erasedAt))) {
      throw new PlatformError(ErrorType.InvalidInput, 'erasedAt must be an ISO 8601 timestamp');
    }
    const values = paramValues(subject);
    return this.run('erase in the source database', async (c) => {
      await c.query('begin');
      try {
        // The user row is locked first so two erasures of one person serialise instead of deadlocking.
        const found = await c.query('select 1 from users where user_id = $1 and tenant_id = $2 for update', [
          subject.userId,
          subject.tenantId,
        ]);
        const held = await c.query('select 1 from legal_holds where user_id = $1 limit 1', [subject.userId]);
        if ((held.rowCount ?? 0) > 0) {
          throw new PlatformError(ErrorType.InvalidInput, 'a legal hold was placed on the user; erasure refused');
        }
        const counts: Record<string, number> = {};
        // Not (or no longer) in the tenant: nothing to do, and ids of another tenant are never touched.
        if ((found.rowCount ?? 0) > 0) {
          for (const { label, sql, params } of ERASE_STATEMENTS) {
            const res = await c.query(
              sql,
              params.map((p) => values[p] ?? null),
            );
            counts[label] = (counts[label] ?? 0) + (res.rowCount ?? 0);
          }
        } else {
          for (const { label } of ERASE_STATEMENTS) counts[label] = 0;
        }
        await c.query('commit');
        return counts;
      } catch (err) {
        await c.query('rollback').catch(() => undefined);
        throw err;
      }
    });
  }

  async scan(
    subject: SubjectRef & { email: string },
  ): Promise<{ scanned: number; occurrences: Record<string, number> }> {
    return this.run('scan the source database', async (c) => {
      const occurrences: Record<string, number> = {};
      let scanned = 0;
      if (BIGINT_ID.test(subject.userId)) {
        for (const [table, columns] of Object.entries(USER_REFERENCES)) {
          const where = columns.map((col) => `${col} = $1`).join(' or ');
          const res = await c.query<{ n: string }>(`select count(*) as n from ${table} where ${where}`, [
            subject.userId,
          ]);
          occurrences[table] = Number(res.rows[0]?.n ?? 0);
          scanned++;
        }
      }
      // The email anywhere in a text column of the schema (not only where we expect it).
      const textColumns = await c.query<{ table_name: string; column_name: string }>(
        `select table_name, column_name from information_schema.columns
         where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb')
         order by table_name, ordinal_position`,
      );
      const byTable = new Map<string, string[]>();
      for (const r of textColumns.rows)
        byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
      for (const [table, columns] of byTable) {
        const where = columns.map((col) => `strpos(lower("${col}"::text), lower($1)) > 0`).join(' or ');
        const res = await c.query<{ n: string }>(`select count(*) as n from "${table}" where ${where}`, [
          subject.email,
        ]);
        const n = Number(res.rows[0]?.n ?? 0);
        if (n > 0) occurrences[`${table}.email`] = n;
        scanned++;
      }
      return { scanned, occurrences };
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
