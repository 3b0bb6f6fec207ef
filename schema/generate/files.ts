import type { Dataset } from '../warehouse/types';
import { bigqueryTableJson } from './bigquery';
import { duckdbDdl } from './duckdb';
import { GENERATED_MARKER, REGENERATE_HINT } from './marker';
import { sparkSchemaJson } from './spark';

/** A generated file: path relative to the repository root, and its exact content. */
export interface GeneratedFile {
  path: string;
  content: string;
}

export const DUCKDB_DDL_PATH = 'schema/generated/duckdb.sql';
export const BIGQUERY_TABLES_DIR = 'infra/terraform/bigquery/tables';
export const SPARK_SCHEMAS_DIR = 'jobs/schemas';

/** Directories whose every `*.json` is generated: a JSON file there that is not generated is stale (orphan). */
export const GENERATED_JSON_DIRS = [BIGQUERY_TABLES_DIR, SPARK_SCHEMAS_DIR];

function readme(title: string, body: string[], tables: string[]): string {
  return [
    `<!-- ${GENERATED_MARKER} -->`,
    '',
    `# ${title}`,
    '',
    `Every \`*.json\` file here is ${GENERATED_MARKER}: ${REGENERATE_HINT}. \`npm run generate:check\` (and the unit`,
    'test `test/unit/schema-generators.test.ts`) fail when these files are stale.',
    '',
    ...body,
    '',
    ...tables.map((t) => `- \`${t}.json\``),
    '',
  ].join('\n');
}

/** Every generated file for `dataset`, in a stable order. Pure: the same dataset always gives the same bytes. */
export function generateFiles(dataset: Dataset): GeneratedFile[] {
  const names = dataset.tables.map((t) => t.name);
  return [
    { path: DUCKDB_DDL_PATH, content: duckdbDdl(dataset) },
    ...dataset.tables.map((t) => ({
      path: `${BIGQUERY_TABLES_DIR}/${t.name}.json`,
      content: bigqueryTableJson(dataset, t),
    })),
    {
      path: `${BIGQUERY_TABLES_DIR}/README.md`,
      content: readme(
        `BigQuery tables of dataset ${dataset.name}`,
        [
          'BigQuery REST `Table` resources, one per table, read by `../main.tf` (`for_each` over `fileset`). Two',
          'placeholders are substituted at apply time: `{{PII_POLICY_TAG}}` (the policy tag on personal-data columns)',
          'and `{{PROJECT_ID}}`. Field types use the names the API returns (INTEGER, FLOAT, BOOLEAN) to avoid',
          'permanent Terraform diffs.',
        ],
        names,
      ),
    },
    ...dataset.tables.map((t) => ({ path: `${SPARK_SCHEMAS_DIR}/${t.name}.json`, content: sparkSchemaJson(t) })),
    {
      path: `${SPARK_SCHEMAS_DIR}/README.md`,
      content: readme(
        `Spark schemas of dataset ${dataset.name}`,
        [
          'One `StructType` JSON per warehouse table: `StructType.fromJson(json.load(f))` in PySpark. Field metadata',
          'carries `comment`, and when set `pii: true`, `erasure` (delete_row | anonymise | tokenise) and',
          '`format: "json"` for string columns holding JSON text.',
        ],
        names,
      ),
    },
  ];
}
