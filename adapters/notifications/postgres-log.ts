import type pg from 'pg';
import { migratePlatform } from '../../schema/platform/migrate';
import type { NotificationLog } from '../ports';
import { classify, sourcePool, type PostgresSourceOptions } from '../source/postgres';

/**
 * NotificationLog in the platform store (PostgreSQL schema `platform`, beside the API's tables). Applies the platform
 * migrations once per process before its first use, so a worker needs no separate migrate step.
 */
export class PostgresNotificationLog implements NotificationLog {
  readonly pool: pg.Pool;
  private migrated?: Promise<unknown>;

  constructor(options: PostgresSourceOptions) {
    this.pool = sourcePool({ ...options, maxConnections: 2 }, 'hire10x-analytics-notifications');
  }

  private ready(): Promise<unknown> {
    this.migrated ??= migratePlatform(this.pool).catch((err: unknown) => {
      this.migrated = undefined;
      throw err;
    });
    return this.migrated;
  }

  async claim(key: string, details: Record<string, unknown>): Promise<boolean> {
    try {
      await this.ready();
      const res = await this.pool.query(
        `insert into platform.notifications (dedupe_key, details) values ($1, $2)
         on conflict (dedupe_key) do update set attempts = platform.notifications.attempts + 1
           where platform.notifications.sent_at is null
         returning dedupe_key`,
        [key, JSON.stringify(details)],
      );
      return res.rowCount === 1;
    } catch (err) {
      throw classify(err, 'claim notification');
    }
  }

  async markSent(key: string): Promise<void> {
    try {
      await this.ready();
      await this.pool.query('update platform.notifications set sent_at = now() where dedupe_key = $1', [key]);
    } catch (err) {
      throw classify(err, 'mark notification sent');
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
