import { RETENTION_POLICY, type RetentionPolicy } from '../retention/policy';
import type { Dataset } from '../warehouse/types';
import { rollups as ROLLUPS, type Rollup } from '../warehouse/rollups';
import { bigqueryMaterializedViewJson, bigqueryTableJson } from './bigquery';
import { duckdbDdl } from './duckdb';
import { postgresStreamDdl } from './postgres';
import { gcsLifecycleJson, LAKE_BUCKETS } from './gcs-lifecycle';
import { GENERATED_MARKER, REGENERATE_HINT } from './marker';
import { sparkSchemaJson } from './spark';

/** A generated file: path relative to the repository root, and its exact content. */
export interface GeneratedFile {
  path: string;
  content: string;
}

export const DUCKDB_DDL_PATH = 'schema/generated/duckdb.sql';
export const POSTGRES_STREAM_DDL_PATH = 'schema/generated/postgres-stream.sql';
export const BIGQUERY_TABLES_DIR = 'infra/terraform/bigquery/tables';
export const BIGQUERY_VIEWS_DIR = 'infra/terraform/bigquery/materialized_views';
export const SPARK_SCHEMAS_DIR = 'jobs/schemas';
export const GCS_LIFECYCLE_DIR = 'infra/terraform/gcs/lifecycle';

/** Directories whose every `*.json` is generated: a JSON file there that is not generated is stale (orphan). */
export const GENERATED_JSON_DIRS = [BIGQUERY_TABLES_DIR, BIGQUERY_VIEWS_DIR, SPARK_SCHEMAS_DIR, GCS_LIFECYCLE_DIR];

function readme(
  title: string,
  body: string[],
  tables: readonly string[],
  hint = REGENERATE_HINT,
  test = 'test/unit/schema-generators.test.ts',
): string {
  return [
    `<!-- ${GENERATED_MARKER} -->`,
    '',
    `# ${title}`,
    '',
    `Every \`*.json\` file here is ${GENERATED_MARKER}: ${hint}. \`npm run generate:check\` (and the unit`,
    `test \`${test}\`) fail when these files are stale.`,
    '',
    ...body,
    '',
    ...tables.map((t) => `- \`${t}.json\``),
    '',
  ].join('\n');
}

/**
 * Every generated file for `dataset` and the retention `policy`, in a stable order. Pure: the same inputs always give
 * the same bytes.
 */
export function generateFiles(
  dataset: Dataset,
  policy: RetentionPolicy = RETENTION_POLICY,
  rollups: readonly Rollup[] = ROLLUPS,
): GeneratedFile[] {
  const names = dataset.tables.map((t) => t.name);
  return [
    { path: DUCKDB_DDL_PATH, content: duckdbDdl(dataset) },
    { path: POSTGRES_STREAM_DDL_PATH, content: postgresStreamDdl(dataset) },
    ...dataset.tables.map((t) => ({
      path: `${BIGQUERY_TABLES_DIR}/${t.name}.json`,
      content: bigqueryTableJson(dataset, t),
    })),
    {
      path: `${BIGQUERY_TABLES_DIR}/README.md`,
      content: readme(
        `BigQuery tables of dataset ${dataset.name}`,
        [
          'BigQuery REST `Table` resources, one per table, read by `infra/terraform/modules/bigquery` (`for_each` over `fileset`). Two',
          'placeholders are substituted at apply time: `{{PII_POLICY_TAG}}` (the policy tag on personal-data columns)',
          'and `{{PROJECT_ID}}`. Field types use the names the API returns (INTEGER, FLOAT, BOOLEAN) to avoid',
          'permanent Terraform diffs.',
        ],
        names,
      ),
    },
    ...rollups.map((r) => ({
      path: `${BIGQUERY_VIEWS_DIR}/${r.name}.json`,
      content: bigqueryMaterializedViewJson(dataset, r),
    })),
    {
      path: `${BIGQUERY_VIEWS_DIR}/README.md`,
      content: readme(
        `BigQuery materialized views of dataset ${dataset.name}`,
        [
          'BigQuery REST `Table` resources with a `materializedView` definition, one per rollup of',
          '`schema/warehouse/rollups.ts`, read by `infra/terraform/modules/bigquery`. Each sums additive measures of one reporting mart over',
          'fewer breakdowns, partitioned by the same day column, with `maxStaleness` (a read never waits for a refresh',
          'within it). The query names `{{PROJECT_ID}}`, substituted at apply time.',
        ],
        rollups.map((r) => r.name),
      ),
    },
    ...dataset.tables.map((t) => ({ path: `${SPARK_SCHEMAS_DIR}/${t.name}.json`, content: sparkSchemaJson(t) })),
    {
      path: `${SPARK_SCHEMAS_DIR}/README.md`,
      content: readme(
        `Spark schemas of dataset ${dataset.name}`,
        [
          'One `StructType` JSON per warehouse table: `StructType.fromJson(json.load(f))` in PySpark. Field metadata',
          'carries `comment`, and when set `pii: true`, `erasure` (delete_row | clear | anonymise | tokenise, from schema/erasure) and',
          '`format: "json"` for string columns holding JSON text.',
        ],
        names,
      ),
    },
    ...LAKE_BUCKETS.map((b) => ({ path: `${GCS_LIFECYCLE_DIR}/${b}.json`, content: gcsLifecycleJson(policy, b) })),
    {
      path: `${GCS_LIFECYCLE_DIR}/README.md`,
      content: readme(
        'GCS lifecycle rules of the lake buckets',
        [
          'One Cloud Storage lifecycle configuration per zone bucket (`{"rule": [...]}`, the JSON API shape that',
          '`gcloud storage buckets update --lifecycle-file` also takes), read by `infra/terraform/modules/storage`. They render the lake part of',
          '`schema/retention/policy.ts` as a backstop: each rule fires `lifecycleGraceDays` after the `dataRetention`',
          'workflow would have acted, never before it, and raw has no delete rule because lifecycle cannot copy objects',
          'into the archive bucket (see `schema/generate/gcs-lifecycle.ts`).',
        ],
        LAKE_BUCKETS,
        'edit schema/retention/policy.ts and run `npm run generate`',
        'test/unit/retention-policy.test.ts',
      ),
    },
  ];
}
