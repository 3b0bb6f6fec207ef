import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { dataprocRunnerOptionsSchema, type DataprocRunnerOptionsInput } from '../adapters/spark/dataproc-options';
import {
  dataprocServerlessOptionsSchema,
  type DataprocServerlessOptionsInput,
} from '../adapters/spark/dataproc-serverless-options';
import { ConfigError, type GcpConfig } from './index';

/** Options of the cluster file that come from environment variables instead (the file must not set them). */
const ENV_OWNED_DATAPROC_OPTIONS: readonly string[] = ['projectId', 'region', 'jobsUri', 'endpoint'];

/**
 * Reads DATAPROC_CLUSTER_CONFIG (YAML, or JSON, which is YAML too) into the cluster part of the Dataproc options.
 * Unknown or env-owned top-level keys are refused, so a typo cannot silently fall back to a default.
 */
export function readDataprocClusterConfig(file: string): Record<string, unknown> {
  return readOptionsFile('DATAPROC_CLUSTER_CONFIG', file, Object.keys(dataprocRunnerOptionsSchema.shape), 'cluster');
}

/** Reads DATAPROC_BATCH_CONFIG into the batch part of the Serverless options, with the same rules. */
export function readDataprocBatchConfig(file: string): Record<string, unknown> {
  return readOptionsFile('DATAPROC_BATCH_CONFIG', file, Object.keys(dataprocServerlessOptionsSchema.shape), 'batch');
}

function readOptionsFile(variable: string, file: string, known: string[], what: string): Record<string, unknown> {
  const where = `${variable} (${file})`;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${where}: cannot be read: ${(err as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${where}: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([
      `${where}: expected a mapping of ${what} options, got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
    ]);
  }
  const allowed = known.filter((k) => !ENV_OWNED_DATAPROC_OPTIONS.includes(k));
  const issues: string[] = [];
  for (const key of Object.keys(parsed)) {
    if (ENV_OWNED_DATAPROC_OPTIONS.includes(key)) {
      issues.push(
        `${where}: ${key} comes from the environment (GCP_PROJECT_ID, DATAPROC_REGION or GCP_REGION, DATAPROC_JOBS_URI, DATAPROC_API_ENDPOINT), not from the file`,
      );
    } else if (!allowed.includes(key)) {
      issues.push(`${where}: unknown option ${key}; known: ${allowed.join(', ')}`);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed as Record<string, unknown>;
}

/** `http://host:port` → plaintext gRPC (the fake), `https://host[:port]` → TLS. */
function grpcEndpoint(url: string): NonNullable<DataprocRunnerOptionsInput['endpoint']> {
  const parsed = new URL(url);
  const insecure = parsed.protocol === 'http:';
  return { host: parsed.hostname, port: Number(parsed.port || (insecure ? 80 : 443)), insecure };
}

/**
 * The Dataproc runner's options from configuration: project, region, jobs folder and endpoint from the environment,
 * the cluster's shape from DATAPROC_CLUSTER_CONFIG, all validated by the runner's own schema
 * (adapters/spark/dataproc-options.ts). Read when the worker builds the runner, not at `loadConfig`, so only the
 * worker needs DATAPROC_JOBS_URI and a readable cluster file. Throws ConfigError naming the missing variable or every
 * bad option (with the variable or the file and the option's path).
 */
export function dataprocOptionsFrom(config: GcpConfig): DataprocRunnerOptionsInput {
  return runnerOptionsFrom(config, {
    variable: 'DATAPROC_CLUSTER_CONFIG',
    file: config.dataproc.clusterConfigFile,
    read: readDataprocClusterConfig,
    schema: dataprocRunnerOptionsSchema,
  });
}

/**
 * The Serverless runner's options: project, region, jobs folder and endpoint from the environment (as for the
 * cluster runner), the batch's shape from DATAPROC_BATCH_CONFIG, validated by the runner's own schema
 * (adapters/spark/dataproc-serverless.ts). Throws ConfigError naming the variable or the file and the option's path.
 */
export function dataprocServerlessOptionsFrom(config: GcpConfig): DataprocServerlessOptionsInput {
  return runnerOptionsFrom(config, {
    variable: 'DATAPROC_BATCH_CONFIG',
    file: config.dataproc.batchConfigFile,
    read: readDataprocBatchConfig,
    schema: dataprocServerlessOptionsSchema,
  });
}

/**
 * A Dataproc runner's options: its shape from `variable`'s file, then project, region, jobs folder and endpoint from
 * the environment, validated by the runner's `schema`. Throws ConfigError naming the missing variable or every bad
 * option (with the variable or the file and the option's path).
 */
function runnerOptionsFrom<S extends z.ZodType>(
  config: GcpConfig,
  shape: { variable: string; file?: string; read: (file: string) => Record<string, unknown>; schema: S },
): z.input<S> {
  if (!config.dataproc.jobsUri) {
    throw new ConfigError([
      'DATAPROC_JOBS_URI: required when PLATFORM=gcp (the gs:// folder holding daily_transform.py and jobs.zip)',
    ]);
  }
  const { variable, file, read, schema } = shape;
  const options = {
    ...(file ? read(file) : {}),
    projectId: config.gcp.projectId,
    region: config.dataproc.region,
    jobsUri: config.dataproc.jobsUri,
    ...(config.dataproc.apiEndpoint ? { endpoint: grpcEndpoint(config.dataproc.apiEndpoint) } : {}),
  };
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const fromEnv: Record<string, string> = {
      projectId: 'GCP_PROJECT_ID',
      region: config.env.DATAPROC_REGION ? 'DATAPROC_REGION' : 'GCP_REGION',
      jobsUri: 'DATAPROC_JOBS_URI',
      endpoint: 'DATAPROC_API_ENDPOINT',
    };
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name =
          fromEnv[String(issue.path[0])] ?? `${variable} (${file ?? 'unset'}): ${issue.path.join('.') || '(root)'}`;
        return `${name}: ${issue.message}`;
      }),
    );
  }
  return options as z.input<S>;
}
