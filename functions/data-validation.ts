import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Topic } from '@google-cloud/pubsub';
import type { File, Storage } from '@google-cloud/storage';
import { PlatformError } from '../adapters/errors';
import { readParquetColumns, type ParquetColumn } from '../adapters/warehouse/schema';
import { RAW_ZONE_COLUMNS, isRawTable, type RawColumnType } from '../schema/source/raw-zone';
import { isIsoDay } from '../schema/source/tables';
import { publishAlert } from './alerts/message';
import { storageObjectEventData, type StorageObjectEventData } from './cloud-events';
import type { Log } from './log';

export interface DataValidationDeps {
  storage: Storage;
  /** GCS_BUCKET_RAW: events from any other bucket are ignored. */
  rawBucket: string;
  /** QUARANTINE_BUCKET: refused objects go to `raw/g=<generation>/<key>` there. */
  quarantineBucket: string;
  /** The alerts topic (ALERTS_TOPIC): one `data_quarantine` alert per refused object. */
  alerts: Topic;
  log: Log;
  /** @default Date.now */
  now?: () => number;
}

export type ValidationOutcome =
  | { outcome: 'ignored'; why: string }
  | { outcome: 'valid'; columns: number }
  | { outcome: 'quarantined'; reason: QuarantineReason; problems: string[]; to: string }
  | { outcome: 'gone'; why: string };

export type QuarantineReason = 'unexpected_key' | 'unknown_table' | 'unreadable' | 'schema_mismatch';

/** Commit markers the object store writes beside the data (`_MANIFEST` on GCS); not data, not checked. */
const MARKERS = new Set(['_MANIFEST', '_SUCCESS']);

/** Which Parquet columns (as `adapters/warehouse/schema.ts` reads footers) satisfy a contract type. */
function accepts(type: RawColumnType, c: ParquetColumn): boolean {
  const physical = c.describe.split(' ')[0];
  switch (type) {
    case 'int64':
      return c.type === 'INT64'; // INT32 widens losslessly, as jobs/transform/raw.py accepts
    case 'int32':
      return c.type === 'INT64' && physical === 'INT32';
    case 'string':
      return c.type === 'STRING' || c.type === 'JSON';
    case 'timestamp':
      return c.type === 'TIMESTAMP';
    case 'boolean':
      return c.type === 'BOOL';
  }
}

/**
 * What is wrong with a raw object's columns against the table's contract (`schema/source/raw-zone.ts`): a missing
 * column or a type the Spark job would refuse. Extra columns pass: the job drops them (`conform_raw`).
 */
export function schemaProblems(table: keyof typeof RAW_ZONE_COLUMNS, columns: ParquetColumn[]): string[] {
  const problems: string[] = [];
  for (const want of RAW_ZONE_COLUMNS[table]) {
    const got = columns.find((c) => c.name === want.name);
    if (!got) problems.push(`column ${want.name} (${want.type}) is missing`);
    else if (!accepts(want.type, got)) problems.push(`column ${want.name} is ${got.describe}, expected ${want.type}`);
  }
  return problems;
}

const statusOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/**
 * On object finalize in the raw bucket: checks the object against its table's raw-zone contract, reading only the
 * Parquet footer (two ranged reads at most, whatever the file's size). A refused object is quarantined: copied
 * create-only to the quarantine bucket (with the reason in its metadata), announced on the alerts topic, then its
 * exact generation deleted from the raw bucket. Every step is idempotent, so a redelivered event (or a retry after a
 * crash between steps) finishes the job without a second copy; the alert's key dedupes repeats downstream.
 */
export function createDataValidation(deps: DataValidationDeps) {
  const now = deps.now ?? Date.now;

  async function quarantine(
    source: File,
    object: StorageObjectEventData,
    reason: QuarantineReason,
    problems: string[],
  ): Promise<ValidationOutcome> {
    const targetKey = `raw/g=${object.generation}/${object.name}`;
    const target = deps.storage.bucket(deps.quarantineBucket).file(targetKey);
    const to = `gs://${deps.quarantineBucket}/${targetKey}`;
    const from = `gs://${object.bucket}/${object.name}#${object.generation}`;
    const detail = problems.join('; ').slice(0, 1000);
    // The target key is per source generation, so an existing copy is this object's, made by an earlier delivery.
    // Checked first (fake-gcs-server ignores a rewrite's preconditions); ifGenerationMatch=0 still settles a race
    // between two deliveries on the real service.
    const [copied] = await target.exists();
    if (!copied) {
      try {
        await source.copy(target, {
          preconditionOpts: { ifGenerationMatch: 0 },
          metadata: { quarantine_reason: reason, quarantine_detail: detail, source: from },
        });
      } catch (error) {
        if (statusOf(error) !== 412) throw error;
      }
    }
    await publishAlert(deps.alerts, {
      version: 1,
      kind: 'data_quarantine',
      severity: 'error',
      key: `data_quarantine:${object.bucket}/${object.name}#${object.generation}`,
      title: `Raw object quarantined (${reason})`,
      text: `${from} failed validation and was moved to ${to}: ${detail}`,
      source: 'function:dataValidation',
      occurred_at: new Date(now()).toISOString(),
      details: { bucket: object.bucket, object: object.name, generation: object.generation, reason },
    });
    try {
      await source.delete({ ifGenerationMatch: Number(object.generation) });
    } catch (error) {
      // 404: already deleted by a previous delivery; 412: a newer object took the key and has its own event.
      if (statusOf(error) !== 404 && statusOf(error) !== 412) throw error;
    }
    return { outcome: 'quarantined', reason, problems, to };
  }

  async function validate(event: CloudEvent<unknown>): Promise<ValidationOutcome> {
    const parsed = storageObjectEventData.safeParse(event.data);
    if (!parsed.success) {
      deps.log('ERROR', 'dataValidation: not a Cloud Storage object event', { eventId: event.id, type: event.type });
      return { outcome: 'ignored', why: 'not a storage object event' };
    }
    const object = parsed.data;
    if (object.bucket !== deps.rawBucket) return { outcome: 'ignored', why: `bucket ${object.bucket} is not raw` };
    const segments = object.name.split('/');
    const base = segments[segments.length - 1] ?? '';
    if (MARKERS.has(base)) return { outcome: 'ignored', why: 'commit marker' };
    const source = deps.storage.bucket(object.bucket).file(object.name, { generation: object.generation });
    let size: number;
    try {
      const [metadata] = await source.getMetadata();
      size = Number(metadata.size ?? 0);
    } catch (error) {
      if (statusOf(error) === 404)
        return { outcome: 'gone', why: 'this generation no longer exists (handled or replaced)' };
      throw error;
    }
    const [table = '', dt = ''] = segments;
    if (!isRawTable(table)) return quarantine(source, object, 'unknown_table', [`${table} is not a raw-zone table`]);
    if (!dt.startsWith('dt=') || !isIsoDay(dt.slice(3)) || !base.endsWith('.parquet')) {
      return quarantine(source, object, 'unexpected_key', [
        `${object.name} is not <table>/dt=<YYYY-MM-DD>/…/<name>.parquet`,
      ]);
    }
    let columns: ParquetColumn[];
    try {
      columns = await readParquetColumns(`gs://${object.bucket}/${object.name}`, size, async (start, end) => {
        const [bytes] = await source.download({ start, end: end - 1 });
        return bytes;
      });
    } catch (error) {
      if (error instanceof PlatformError) return quarantine(source, object, 'unreadable', [error.message]);
      throw error;
    }
    const problems = schemaProblems(table, columns);
    if (problems.length > 0) return quarantine(source, object, 'schema_mismatch', problems);
    return { outcome: 'valid', columns: columns.length };
  }

  return async (event: CloudEvent<unknown>): Promise<ValidationOutcome> => {
    const result = await validate(event);
    const data = event.data as { name?: unknown; generation?: unknown } | undefined;
    deps.log(result.outcome === 'quarantined' ? 'WARNING' : 'INFO', `dataValidation: ${result.outcome}`, {
      object: data?.name,
      generation: data?.generation,
      ...result,
    });
    return result;
  };
}
