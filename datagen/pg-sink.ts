import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyBatch } from './copy-text';
import type { SeedSink } from './generate';

/**
 * PostgreSQL queues one foreign-key trigger event per row and key until the COPY statement ends; capping each
 * statement keeps that queue (backend memory) bounded at the large scale. All statements share the caller's
 * transaction, so splitting changes nothing about atomicity.
 */
const ROWS_PER_STATEMENT = 1_000_000;

/**
 * Streams each table through `COPY ... FROM STDIN` on `client` (text format). Backpressure flows from the
 * socket to the generator, so memory stays flat whatever the scale. The caller owns the transaction.
 */
export function pgCopySink(client: pg.PoolClient, rowsPerStatement = ROWS_PER_STATEMENT): SeedSink {
  return {
    async copy(table, batches) {
      const sql = `copy ${table.name} (${table.columns.join(', ')}) from stdin`;
      const it = batches[Symbol.iterator]();
      let next: IteratorResult<CopyBatch> = it.next();
      while (!next.done) {
        let rows = 0;
        const statement = function* (): Generator<string> {
          while (!next.done && rows < rowsPerStatement) {
            rows += next.value.rows;
            yield next.value.text;
            next = it.next();
          }
        };
        await pipeline(Readable.from(statement()), client.query(copyFrom(sql)));
      }
    },
  };
}
