import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../config';

/** The project's Temporal dynamic config (server file format), shared by the dev server and a cluster's values. */
export const DYNAMIC_CONFIG_FILE = path.join(PROJECT_ROOT, 'infra', 'temporal', 'dynamic-config.yaml');

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const entry = z.strictObject({
  value: z.union([scalar, z.array(z.unknown()), z.record(z.string(), z.unknown())]),
  constraints: z.record(z.string(), z.unknown()).optional(),
});
const KEY = /^[a-z]+\.[A-Za-z0-9.]+$/;
const fileSchema = z.record(z.string(), z.array(entry).min(1)).superRefine((config, ctx) => {
  for (const key of Object.keys(config))
    if (!KEY.test(key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'not a dynamic config key: a key is <service>.<name>, e.g. history.transferProcessorMaxPollRPS',
      });
});
export type DynamicConfig = z.infer<typeof fileSchema>;

/**
 * SQLite write-ahead log with `synchronous=normal` for the dev server's file (`--sqlite-pragma`): commits without an
 * fsync per transaction. bench:orchestration measured 13.9 → 9.6 ms per activity step with it, but `dev up` does NOT
 * use it: once, under load in CI, a dev server killed with SIGKILL would not start again on its WAL file ("temporal
 * exited during start-up"; not reproduced since in 8 kill/restart cycles). A dev platform that may not come back after
 * a crash is worse than 4 ms per step. bench:orchestration still measures it, as a separate row.
 */
export const DEV_SERVER_SQLITE_WAL_ARGS = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
] as const;

/** Dev server arguments for the project's tuning: the dynamic config file's values. */
export function devServerTuningArgs(config: DynamicConfig = readDynamicConfig()): string[] {
  return devServerDynamicConfigArgs(config);
}

/** Reads and validates a dynamic config file; a bad file is a clear error naming the file and the key. */
export function readDynamicConfig(file: string = DYNAMIC_CONFIG_FILE): DynamicConfig {
  const parsed = fileSchema.safeParse(parse(fs.readFileSync(file, 'utf8')) ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new Error(`Temporal dynamic config ${file}: ${issues}`);
  }
  return parsed.data;
}

/**
 * `temporal server start-dev --dynamic-config-value key=<JSON>` pairs. The dev server takes only unconstrained
 * values: a key whose values carry constraints (per namespace, per task queue) cannot be expressed there and is
 * refused rather than silently applied to everything.
 */
export function devServerDynamicConfigArgs(config: DynamicConfig = readDynamicConfig()): string[] {
  const args: string[] = [];
  for (const [key, values] of Object.entries(config)) {
    const constrained = values.filter((v) => v.constraints && Object.keys(v.constraints).length > 0);
    if (constrained.length > 0 || values.length !== 1)
      throw new Error(
        `Temporal dynamic config key ${key}: the dev server takes one unconstrained value (--dynamic-config-value), ` +
          `found ${values.length} value(s), ${constrained.length} with constraints`,
      );
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(values[0]!.value)}`);
  }
  return args;
}
