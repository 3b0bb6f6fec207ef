import type { Column, ColumnType, Table } from '../warehouse/types';

/** Spark SQL type names as `StructType.jsonValue()` writes them. */
export const SPARK_TYPES: Record<ColumnType, string> = {
  STRING: 'string',
  INT64: 'long',
  FLOAT64: 'double',
  NUMERIC: 'decimal(38,9)',
  BOOL: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  JSON: 'string',
};

/**
 * Field metadata: `comment` (Spark shows it in DESCRIBE), and only when set: `pii`, `erasure` (what GDPR erasure
 * does to the column, for jobs rewriting lake files) and `format: "json"` (a string column holding JSON text).
 */
export interface SparkFieldMetadata {
  comment: string;
  pii?: true;
  erasure?: 'delete_row' | 'clear' | 'anonymise' | 'tokenise';
  format?: 'json';
}

export interface SparkField {
  name: string;
  type: string;
  nullable: boolean;
  metadata: SparkFieldMetadata;
}

/** The JSON `pyspark.sql.types.StructType.fromJson` (and Scala's `DataType.fromJson`) accepts. */
export interface SparkStruct {
  type: 'struct';
  fields: SparkField[];
}

export function sparkField(column: Column): SparkField {
  const erasure = column.erasure ?? 'keep';
  return {
    name: column.name,
    type: SPARK_TYPES[column.type],
    nullable: column.mode !== 'REQUIRED',
    metadata: {
      comment: column.description,
      ...(column.pii ? { pii: true as const } : {}),
      ...(erasure === 'keep' ? {} : { erasure }),
      ...(column.type === 'JSON' ? { format: 'json' as const } : {}),
    },
  };
}

export function sparkSchema(table: Table): SparkStruct {
  return { type: 'struct', fields: table.columns.map(sparkField) };
}

export function sparkSchemaJson(table: Table): string {
  return `${JSON.stringify(sparkSchema(table), null, 2)}\n`;
}
