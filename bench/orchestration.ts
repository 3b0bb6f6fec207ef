/**
 * Per-step cost of the same chain of 20 no-op steps in Airflow and in Temporal, on this machine, in one run:
 *
 * - Airflow 3.1 (the venv's pinned apache-airflow): api-server + scheduler (LocalExecutor) + dag-processor on a
 *   private PostgreSQL 15, a DAG of 20 chained `@task` steps; out of the box, then tuned (settings printed).
 * - Temporal: a dev server of its own (pinned CLI, SQLite) and a Worker in this process; a workflow chaining 20
 *   no-op activities on the server's defaults, again with only `history.transferProcessorMaxPollRPS=1000` (the
 *   default 20 holds each task ~40 ms before dispatch), then as `analytics dev up` runs it (the project's dynamic
 *   config, infra/temporal/dynamic-config.yaml), with a chain of 20 local activities too, and once more with the
 *   dev server's SQLite file in WAL mode (measured, not used by dev up: see DEV_SERVER_SQLITE_WAL_ARGS).
 *
 * Each configuration runs `--warmup` discarded runs, then `--runs` (Airflow) or `--temporal-runs` measured ones. Figures: per step = median over
 * runs of (end of last step − start of first) / 20; gap = next step's start − previous step's end (median, p95).
 * Every Temporal figure is printed beside tuned Airflow from the same run, as a ratio. Everything it starts (in a
 * temp dir, on ports away from the demo's and the tests') is stopped and removed at the end, also on failure:
 *   npm run bench:orchestration -- [--runs 5] [--temporal-runs 20] [--warmup 1] [--skip-airflow-defaults]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_SERVER_SQLITE_WAL_ARGS, devServerTuningArgs } from '../cli/dev/temporal-dynamic-config';
import { readPins } from '../cli/dev/tools';
import { AIRFLOW_TUNED, benchAirflow, installAirflow, startAirflow } from './orchestration/airflow';
import { Cleanup, progress, tail } from './orchestration/processes';
import type { ChainStats } from './orchestration/stats';
import { benchTemporal, startTemporalServer } from './orchestration/temporal';

const STEPS = 20; // bench/orchestration/airflow/orchestration_chain.py has the same
const FAST_TRANSFER = 'history.transferProcessorMaxPollRPS=1000';
/** Goals: how many times lower than tuned Airflow a Temporal step should be. */
const GOAL = { activities: 15, localActivities: 50 } as const;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    // Temporal runs take a second or two each: more of them keep a busy neighbour on this shared box from moving
    // the median.
    'temporal-runs': { type: 'string', default: '20' },
    warmup: { type: 'string', default: '1' },
    // Out of the box takes ~20 s a run; skip it when only the tuned comparison matters.
    'skip-airflow-defaults': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const temporalRuns = Number(values['temporal-runs']);
const warmup = Number(values.warmup);
if (![runs, temporalRuns].every((n) => Number.isInteger(n) && n >= 1) || !Number.isInteger(warmup) || warmup < 0)
  throw new Error('--runs and --temporal-runs must be integers ≥ 1, --warmup ≥ 0');

interface Row {
  name: string;
  stats: ChainStats;
  goal?: number;
}

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

function table(rows: Row[], tuned: ChainStats): string {
  const lines = [
    '| configuration | runs | per step (wall/20, median) | step-to-step gap median | gap p95 | Airflow tuned / this | goal |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const { name, stats, goal } of rows) {
    const ratio = tuned.perStepMs / stats.perStepMs;
    const verdict = goal === undefined ? '' : `≥ ${goal}×: ${ratio >= goal ? 'met' : 'NOT met'}`;
    lines.push(
      `| ${name} | ${stats.runs} | ${ms(stats.perStepMs)} ms | ${ms(stats.gapMedianMs)} ms | ${ms(stats.gapP95Ms)} ms | ${ratio.toFixed(1)}× | ${verdict} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const began = Date.now();
  const cleanup = new Cleanup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-orchestration-'));
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  cleanup.add('temp dir', () => Promise.resolve(removeDir()), removeDir);
  const options = { steps: STEPS, runs, warmup };
  const rows: Row[] = [];
  try {
    progress(
      `temp dir ${dir}; ${warmup} warm-up + ${runs} measured runs per Airflow configuration, ${temporalRuns} per Temporal one`,
    );

    progress('temporal: dev server with default dynamic config');
    const plain = await startTemporalServer(cleanup, dir, 'temporal-default');
    const temporalPlain = await benchTemporal(plain, { ...options, runs: temporalRuns, local: false });
    await plain.stop();
    progress(`temporal: dev server with --dynamic-config-value ${FAST_TRANSFER}`);
    const fast = await startTemporalServer(cleanup, dir, 'temporal-fast-transfer', [FAST_TRANSFER]);
    const temporalFast = await benchTemporal(fast, { ...options, runs: temporalRuns, local: false });
    await fast.stop();
    // What `analytics dev up` and the test platform run: infra/temporal/dynamic-config.yaml.
    const projectArgs = devServerTuningArgs();
    progress(`temporal: dev server as dev up starts it (${projectArgs.join(' ')})`);
    const project = await startTemporalServer(cleanup, dir, 'temporal-project', [], projectArgs);
    const temporal = await benchTemporal(project, { ...options, runs: temporalRuns, local: true });
    await project.stop();
    // The same plus SQLite WAL: what it would save (not in dev up: cli/dev/temporal-dynamic-config.ts says why).
    const walArgs = [...projectArgs, ...DEV_SERVER_SQLITE_WAL_ARGS];
    progress(`temporal: dev server as dev up starts it, plus SQLite WAL (${DEV_SERVER_SQLITE_WAL_ARGS.join(' ')})`);
    const wal = await startTemporalServer(cleanup, dir, 'temporal-project-wal', [], walArgs);
    const temporalWal = await benchTemporal(wal, { ...options, runs: temporalRuns, local: false });
    await wal.stop();

    const install = await installAirflow(cleanup, dir);
    let airflowDefaults: ChainStats | undefined;
    if (!values['skip-airflow-defaults']) {
      const airflow = await startAirflow(cleanup, install, 'defaults', {});
      airflowDefaults = await benchAirflow(airflow, install.db, 'defaults', options);
      await airflow.stop();
    }
    const tunedSettings = Object.fromEntries(Object.entries(AIRFLOW_TUNED).map(([k, { value }]) => [k, value]));
    const airflow = await startAirflow(cleanup, install, 'tuned', tunedSettings);
    const airflowTuned = await benchAirflow(airflow, install.db, 'tuned', options);
    await airflow.stop();

    if (airflowDefaults) rows.push({ name: 'Airflow 3.1.8, out of the box', stats: airflowDefaults });
    rows.push({ name: 'Airflow 3.1.8, tuned', stats: airflowTuned });
    rows.push({ name: 'Temporal, activities (dev server defaults)', stats: temporalPlain.activities });
    rows.push({ name: `Temporal, activities, ${FAST_TRANSFER} only`, stats: temporalFast.activities });
    rows.push({
      name: 'Temporal, activities, as `dev up` runs it (transfer poll 1000/s, eager activities)',
      stats: temporal.activities,
      goal: GOAL.activities,
    });
    rows.push({
      name: 'Temporal, activities, as `dev up` runs it + SQLite WAL (not used by dev up)',
      stats: temporalWal.activities,
    });
    if (temporal.localActivities)
      rows.push({
        name: 'Temporal, local activities (as `dev up` runs it)',
        stats: temporal.localActivities,
        goal: GOAL.localActivities,
      });

    console.log(`## ${STEPS} chained no-op steps: Airflow vs Temporal (${os.cpus().length} cores)\n`);
    console.log(table(rows, airflowTuned));
    console.log(
      `\nAirflow: scheduler + dag-processor + api-server, LocalExecutor, PostgreSQL 15 ` +
        `metadata DB (default server settings), ${STEPS} chained @task steps; step = task_instance start_date → end_date.`,
    );
    console.log('Airflow tuned settings (out of the box uses none of them):');
    for (const [key, { value, why }] of Object.entries(AIRFLOW_TUNED)) console.log(`- \`${key}=${value}\` (${why})`);
    console.log(
      `Temporal: \`temporal server start-dev\` (CLI ${readPins().TEMPORAL_CLI_VERSION ?? '?'}, SQLite file), one Worker in the bench process; ` +
        `step = the activity's own start → end timestamps.`,
    );
    console.log(`Total bench time ${((Date.now() - began) / 60_000).toFixed(1)} min.`);
  } catch (err) {
    // The temp dir (and the services' logs in it) goes with the cleanup: show why before it does.
    for (const log of fs.readdirSync(dir).filter((f) => f.endsWith('.log')))
      progress(`last lines of ${log}:\n${tail(path.join(dir, log))}`);
    throw err;
  } finally {
    progress('stopping everything the bench started');
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
