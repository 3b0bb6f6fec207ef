import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config';
import { formatHealth, runHealthCheck } from './health';
import { down, status, up, type PlatformStatus } from './dev/supervisor';
import { paths } from './dev/services';
import { withClient } from './temporal-client';
import { formatHeadline, headline } from './report';
import { buildAdapters } from '../workers/adapters';
import { userAnalytics } from '../schema/warehouse';
import { registerRunCommands } from './run-commands';
import { registerBackfillCommands } from './backfill';
import { registerScheduleCommands } from './schedules';
import { writeWorkflowBundle } from '../workers/bundle';
import { runWorker } from '../workers/main';
import { registerWarehouseCommands } from './warehouse-commands';
import { registerDbCommands } from './db-commands';
import { registerApiKeyCommands } from './api-keys';
import { registerApiCommands } from './gdpr';
import { registerDashboardCommands } from './dashboards';
import { registerRetentionCommands } from './retention';
import { registerStreamCommands } from './stream';

const say = (line: string) => process.stderr.write(`${line}\n`);

function printStatus(s: PlatformStatus): void {
  const rows = Object.values(s.services).map((svc) => {
    const text = (key: string) => (typeof svc[key] === 'string' ? svc[key] : '');
    const where =
      svc.name === 'temporal' ? `${text('address')}  UI ${text('uiUrl')}` : text('url') || text('metricsUrl');
    return `  ${svc.name.padEnd(9)} ${svc.state.padEnd(10)} ${svc.pid ? `pid ${svc.pid}`.padEnd(11) : ''.padEnd(11)} ${where}`;
  });
  process.stdout.write(
    [
      `Platform ${s.platform}, data in ${s.dataDir}`,
      ...rows,
      `  zones     raw=${s.zones.raw}`,
      `            processed=${s.zones.processed}`,
      `            archive=${s.zones.archive}`,
      `  warehouse ${s.warehouse.duckdbPath}`,
      '',
    ].join('\n'),
  );
}

export function buildProgram(getConfig: () => Config): Command {
  const program = new Command('analytics')
    .description('Hire10x user analytics: local platform, pipelines and operations')
    .showHelpAfterError();

  const dev = program.command('dev').description('the local platform: Temporal dev server, PostgreSQL, Redis');
  dev
    .command('up')
    .description('start what is not running and wait until healthy (a no-op for what already runs)')
    .option('--worker', 'also start a worker in the background')
    .option('--api', 'also start the HTTP API in the background (after PostgreSQL and Temporal)')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { worker?: boolean; api?: boolean; json?: boolean }) => {
      const s = await up(getConfig(), say, { worker: opts.worker, api: opts.api });
      if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else printStatus(s);
    });
  dev
    .command('down')
    .description('stop what `dev up` started, and nothing else (data stays in the data directory)')
    .action(async () => down(getConfig(), say));
  dev
    .command('status')
    .description('each service, its address and health')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const s = await status(getConfig());
      if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else printStatus(s);
    });
  dev
    .command('logs')
    .description('show a service log from the data directory')
    .addArgument(
      new Command().createArgument('[service]', 'temporal | postgres | redis | worker | api').default('temporal'),
    )
    .option('-n, --lines <n>', 'lines from the end', '50')
    .option('-f, --follow', 'keep printing as the log grows')
    .action((service: string, opts: { lines: string; follow?: boolean }) => {
      const file = paths(getConfig()).logFile(service);
      if (!fs.existsSync(file))
        throw new Error(`no log at ${file} (has ${service} been started with analytics dev up?)`);
      const args = ['-n', opts.lines, ...(opts.follow ? ['-F'] : []), file];
      spawn('tail', args, { stdio: 'inherit' });
    });

  program
    .command('worker')
    .description('run a worker in the foreground (task queues etl, gdpr, stream); stops on SIGTERM')
    .option('--bundle <file>', 'use a prebuilt workflow bundle (see `analytics bundle`)')
    .option(
      '--task-queue-prefix <prefix>',
      'serve <prefix>etl, <prefix>gdpr, <prefix>stream (isolated test or staging workers)',
    )
    .action(async (opts: { bundle?: string; taskQueuePrefix?: string }) => {
      await runWorker(getConfig(), { bundlePath: opts.bundle, taskQueuePrefix: opts.taskQueuePrefix });
    });

  program
    .command('bundle')
    .description('write the production workflow bundle')
    .requiredOption('--out <file>', 'where to write it')
    .action(async (opts: { out: string }) => {
      say(`workflow bundle written to ${await writeWorkflowBundle(opts.out)}`);
    });

  program
    .command('health')
    .description('run the platformHealthCheck workflow and print each dependency with its latency')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = getConfig();
      const run = await withClient(config, (client) => runHealthCheck(client, config));
      process.stdout.write(opts.json ? `${JSON.stringify(run, null, 2)}\n` : `${formatHealth(run)}\n`);
      if (!run.report.ok) process.exitCode = 1;
    });
  registerDbCommands(program, getConfig);
  registerWarehouseCommands(program, getConfig);
  registerApiKeyCommands(program, getConfig);
  registerApiCommands(program, getConfig);
  registerDashboardCommands(program, getConfig);
  registerRunCommands(program, getConfig);
  registerBackfillCommands(program, getConfig);
  registerRetentionCommands(program, getConfig);
  registerStreamCommands(program, getConfig);
  registerScheduleCommands(program, getConfig);
  program
    .command('report')
    .description("print the dashboards' headline numbers for a day (default: the newest reported day)")
    .option('--date <YYYY-MM-DD>', 'report date')
    .option('--json', 'machine-readable output')
    .action(async (opts: { date?: string; json?: boolean }) => {
      const config = getConfig();
      const adapters = buildAdapters(config, () => undefined);
      try {
        const h = await headline(adapters.warehouse, userAnalytics, opts.date);
        if (!h) throw new Error('no reporting data yet: run the daily pipeline first (analytics run daily --date …)');
        process.stdout.write(opts.json ? `${JSON.stringify(h, null, 2)}\n` : `${formatHeadline(h)}\n`);
      } finally {
        await adapters.close();
      }
    });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  let config: Config | undefined;
  const getConfig = () => (config ??= loadConfig());
  try {
    await buildProgram(getConfig).parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      say(err.message);
      process.exit(2);
    }
    say(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
