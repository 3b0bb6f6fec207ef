import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type Config } from '../../config';
import { TEST_ENV } from '../test-env';
import { cli } from './platform';
import { createScratchDb, type ScratchDb } from './scratch-db';

/**
 * One seeded source day for a pipeline test on the shared test platform (its Temporal and PostgreSQL), with a
 * database and a data directory (lake zones, DuckDB warehouse) of its own, so runs never meet other suites' data.
 */
export interface SeededDay {
  day: string;
  /** The test platform's configuration pointed at the scratch database and the private data directory. */
  config: Config;
  env: Record<string, string>;
  db: ScratchDb;
  destroy(): Promise<void>;
}

export async function seedDay(
  prefix: string,
  day: string,
  /** days: how many days of events end on `day` (default 1). */
  options: { seed?: number; days?: number } = {},
): Promise<SeededDay> {
  const db = await createScratchDb(prefix);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `hire10x-${prefix}-`));
  const env = { ...TEST_ENV, SOURCE_DB_NAME: db.name, ANALYTICS_DATA_DIR: dataDir };
  const destroy = async () => {
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const args of [
      ['db', 'migrate'],
      [
        'seed',
        '--scale',
        'small',
        '--days',
        String(options.days ?? 1),
        '--end-date',
        day,
        '--seed',
        String(options.seed ?? 7),
      ],
    ]) {
      const res = cli(env, ...args);
      if (res.status !== 0) throw new Error(`analytics ${args.join(' ')} failed:\n${res.stderr}`);
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  return { day, config: parseConfig({ ...process.env, ...env }), env, db, destroy };
}
