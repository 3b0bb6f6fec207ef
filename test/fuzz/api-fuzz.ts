/**
 * `npm run test:fuzz`: schemathesis (`--checks all`) against the API and its generated OpenAPI document.
 *
 * Brings the test platform up (Temporal + PostgreSQL, the ports of test/test-env.json) or reuses it, creates an API
 * key with both scopes the way the tests do, builds the app over the real dependencies and listens on a free
 * loopback port, then runs `schemathesis run <api>/openapi.json --checks all` with that key. Exits with
 * schemathesis's status. Afterwards it terminates the workflows the run started (no worker serves their queue),
 * revokes the key, and stops the platform if it started it (unless KEEP_TEST_PLATFORM=1).
 *
 * Usage: tsx test/fuzz/api-fuzz.ts <schemathesis binary> [extra schemathesis options…]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { createApiKey, revokeApiKey } from '../../api/keys';
import { platformPool } from '../../api/server';
import { down, status, up } from '../../cli/dev/supervisor';
import { loadConfig, PROJECT_ROOT } from '../../config';
import { migratePlatform } from '../../schema/platform/migrate';
import { payloadCodecFromConfig } from '../../security/codec';
import { dataConverterFromConfig } from '../../security/data-converter';
import { gdprSubjectKey } from '../../security/secrets';
import { freePort } from '../helpers/platform';
import { TEST_ENV } from '../test-env';

/** Examples per operation and phase: bounded so the run stays well under two minutes on two shared cores. */
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? '25';
const SEED = process.env.FUZZ_SEED ?? '20261204';

const HERE = path.join(PROJECT_ROOT, 'test/fuzz');
const say = (line: string) => process.stderr.write(`[fuzz] ${line}\n`);

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, SCHEMATHESIS_HOOKS: path.join(HERE, 'hooks.py') };
    // schemathesis keeps its state (.schemathesis/) in its working directory: the test data directory.
    const cwd = path.join(PROJECT_ROOT, TEST_ENV.ANALYTICS_DATA_DIR ?? '.data/test', 'fuzz');
    fs.mkdirSync(cwd, { recursive: true });
    const child = spawn(command, args, { stdio: 'inherit', env, cwd });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const [schemathesis, ...extra] = process.argv.slice(2);
  if (!schemathesis) throw new Error('usage: tsx test/fuzz/api-fuzz.ts <schemathesis binary> [options…]');
  const config = loadConfig({ ...process.env, ...TEST_ENV });
  const before = await status(config);
  const wasRunning = Object.values(before.services).some((s) => s.name !== 'worker' && s.state === 'running');
  await up(config, (line) => say(`platform: ${line}`));

  const pool = platformPool(config, 8);
  const connection = await Connection.connect({ address: config.temporal.address });
  const run8 = randomUUID().slice(0, 8);
  // A queue no worker polls: started erasures stay open (terminated below) and never touch the test warehouse.
  const taskQueue = `fuzz-${run8}-gdpr`;
  let keyId: string | undefined;
  try {
    await migratePlatform(pool);
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFromConfig(config),
    });
    const key = await createApiKey(pool, { scopes: ['gdpr:write', 'gdpr:read'], description: `fuzz ${run8}` });
    keyId = key.record.id;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const app = buildApp({
      temporal: client,
      pool,
      // A bucket the run cannot empty: 429s would only hide the routes behind them.
      api: { ...config.api, publicUrl: url, rateLimitPerMinute: 1_000_000 },
      temporalUi: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
      subjectKey: gdprSubjectKey(config),
      codec: payloadCodecFromConfig(config),
      taskQueue,
      workerDeadlineMs: 500,
      // Errors only: a 500 prints its stack next to schemathesis's report of the case.
      logger: { level: 'error' },
    });
    await app.listen({ host: '127.0.0.1', port });
    const started = performance.now();
    let code: number;
    try {
      code = await run(schemathesis, [
        '--config-file',
        path.join(HERE, 'schemathesis.toml'),
        '--no-color',
        'run',
        `${url}/openapi.json`,
        '--url',
        url,
        '--checks',
        'all',
        '--header',
        `Authorization: Bearer ${key.key}`,
        '--max-examples',
        MAX_EXAMPLES,
        '--seed',
        SEED,
        '--workers',
        '2',
        ...extra,
      ]);
    } finally {
      await app.close();
    }
    say(`schemathesis exited ${code} after ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const { rows } = await pool.query<{ workflow_id: string; run_id: string }>(
      'select workflow_id, run_id from platform.erasure_requests where api_key_id = $1',
      [keyId],
    );
    for (const row of rows) {
      await client.workflow
        .getHandle(row.workflow_id, row.run_id)
        .terminate('api fuzz cleanup')
        .catch(() => undefined);
    }
    say(`terminated the ${rows.length} erasure workflow(s) the run started`);
    return code;
  } finally {
    if (keyId) await revokeApiKey(pool, keyId).catch(() => undefined);
    await connection.close();
    await pool.end();
    if (!wasRunning && process.env.KEEP_TEST_PLATFORM !== '1') await down(config);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
