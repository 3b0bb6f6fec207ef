import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { type Config } from '../config';
import type { DeadLetter, EventBus } from '../adapters/ports';
import { sourcePool } from '../adapters/source/postgres';
import { PostgresStreamStore } from '../adapters/stream-store/postgres';
import { buildEventBus } from '../workers/adapters';
import {
  STREAM_PIPELINE,
  streamConsumerWorkflowId,
  streamDrainSignal,
  streamOfShard,
  streamPauseSignal,
  streamResumeSignal,
  streamStatusQuery,
  type StreamConsumerInput,
  type StreamConsumerStatus,
} from '../workflows/stream-contract';
import { Pipeline, StreamShard, StreamState } from '../workflows/search-attributes';
import { produceEvents, simulateApp, type SimulateOptions, type SimulateResult } from './app-simulate';
import { withClient, workflowUrl } from './temporal-client';

const say = (line: string) => process.stderr.write(`${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

const shardsOf = (config: Config, shard?: string): number[] => {
  if (shard === undefined) return Array.from({ length: config.stream.shards }, (_, i) => i);
  const n = z.coerce
    .number()
    .int()
    .min(0)
    .max(config.stream.shards - 1)
    .safeParse(shard);
  if (!n.success)
    throw new Error(`--shard: expected 0-${config.stream.shards - 1} (STREAM_SHARDS=${config.stream.shards})`);
  return [n.data];
};

/**
 * Starts (or attaches to) the supervisor of each shard, `stream-consumer:<n>` on the `stream` task queue. Idempotent:
 * a shard whose consumer runs is left alone.
 */
export async function startStreamConsumers(
  client: Client,
  config: Config,
  options: { shards?: number[]; input?: Partial<StreamConsumerInput> } = {},
): Promise<{ shard: number; workflowId: string; started: boolean }[]> {
  const results = [];
  for (const shard of options.shards ?? shardsOf(config)) {
    const workflowId = streamConsumerWorkflowId(shard);
    const running = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => d.status.name === 'RUNNING')
      .catch(() => false);
    if (!running) {
      await client.workflow.start('streamConsumer', {
        taskQueue: config.temporal.taskQueues.stream,
        workflowId,
        args: [{ ...options.input, shard }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `Stream consumer, shard ${shard} (${streamOfShard(shard)})`,
        staticDetails:
          'Supervises one consumer shard of the real-time user events. Signals: pause, resume, drain. Query: status.',
        typedSearchAttributes: [
          { key: Pipeline, value: STREAM_PIPELINE },
          { key: StreamShard, value: shard },
          { key: StreamState, value: 'running' },
        ],
      });
    }
    results.push({ shard, workflowId, started: !running });
  }
  return results;
}

/** Each shard's supervisor status (query) beside its committed checkpoint (the store: exact even when paused). */
export async function streamStatus(client: Client, config: Config, shards = shardsOf(config)) {
  const store = new PostgresStreamStore(config.sourceDb);
  try {
    const checkpoints = new Map((await store.checkpoints()).map((c) => [c.shard, c]));
    const since = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const dlq = await store.deadLetterCounts(since);
    const rows = [];
    for (const shard of shards) {
      const handle = client.workflow.getHandle(streamConsumerWorkflowId(shard));
      let workflow = 'not started';
      let status: StreamConsumerStatus | undefined;
      try {
        const d = await handle.describe();
        workflow = d.status.name;
        if (d.status.name === 'RUNNING') status = await handle.query(streamStatusQuery).catch(() => undefined);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      rows.push({
        shard,
        stream: streamOfShard(shard),
        workflow,
        state: status?.state,
        lag: status?.lag,
        ratePerSecond: status?.ratePerSecond,
        lastClosedWindow: status?.lastClosedWindow,
        checkpoint: checkpoints.get(String(shard)),
        deadLettersLastDay: dlq.filter((d) => d.shard === String(shard)),
        url: workflowUrl(config, streamConsumerWorkflowId(shard)),
      });
    }
    return rows;
  } finally {
    await store.close();
  }
}

function formatStatus(rows: Awaited<ReturnType<typeof streamStatus>>): string {
  const lines = [
    'shard  workflow    state     lag      rate/s  watermark                 processed  dead-lettered  dupes',
  ];
  for (const r of rows) {
    const c = r.checkpoint;
    lines.push(
      [
        String(r.shard).padEnd(6),
        r.workflow.padEnd(11),
        (r.state ?? '-').padEnd(9),
        String(r.lag ?? '-').padEnd(8),
        String(r.ratePerSecond ?? '-').padEnd(7),
        (c?.watermark ?? '-').padEnd(25),
        String(c?.processed ?? 0).padEnd(10),
        String(c?.deadLettered ?? 0).padEnd(14),
        String(c?.duplicates ?? 0),
      ].join(' '),
    );
  }
  for (const r of rows) {
    const reasons = r.deadLettersLastDay.map((d) => `${d.reason}=${d.messages}`).join(', ');
    if (reasons) lines.push(`shard ${r.shard} dead letters since yesterday: ${reasons}`);
    lines.push(`shard ${r.shard}: ${r.url}`);
  }
  return lines.join('\n');
}

/** The live metrics of the last minutes (the demo prints them): totals per stream table, and the incidents. */
export async function liveMetrics(config: Config, minutes: number): Promise<string> {
  const store = new PostgresStreamStore(config.sourceDb);
  try {
    const w = await store.recentWindows(minutes, new Date());
    const sum = (
      rows: Record<string, unknown>[] | undefined,
      col: string,
      where?: (r: Record<string, unknown>) => boolean,
    ) => (rows ?? []).filter((r) => !where || where(r)).reduce((s, r) => s + Number(r[col] ?? 0), 0);
    const logins = w.stream_login_attempts_1m;
    const apis = w.stream_api_performance_1m ?? [];
    const sessions = w.stream_sessions_1m;
    const worstP95 = apis.reduce((m, r) => Math.max(m, Number(r.latency_p95_ms ?? 0)), 0);
    const windows = new Set([...(logins ?? []), ...apis].map((r) => String(r.window_start))).size;
    const lines = [
      `live metrics, last ${minutes} min (${windows} one-minute windows):`,
      `  logins ${sum(logins, 'attempts')} (${sum(logins, 'attempts', (r) => r.outcome === 'failure')} failed)` +
        `, feature uses ${sum(w.stream_feature_usage_1m, 'events')}` +
        `, API requests ${sum(apis, 'requests')} (${sum(apis, 'status_5xx')} 5xx, worst window p95 ${worstP95.toFixed(0)} ms)` +
        `, sessions started ${sum(sessions, 'sessions_started')}, ended ${sum(sessions, 'sessions_ended')}`,
    ];
    for (const i of (w.stream_security_incidents ?? []).slice(-10)) {
      lines.push(
        `  incident ${String(i.rule)} tenant ${String(i.tenant_id)}: ${String(i.failures)} failures, ` +
          `detected ${String(i.detection_latency_ms)} ms after the event (${String(i.incident_id).slice(0, 8)}…)`,
      );
    }
    return lines.join('\n');
  } finally {
    await store.close();
  }
}

function formatSimulation(r: SimulateResult, what: string): string {
  const types = Object.entries(r.byType)
    .map(([t, n]) => `${t}=${n}`)
    .join(', ');
  return (
    `${what}: ${r.events} events (${types}), ${r.malformed} malformed, ${r.duplicates} published twice, ` +
    `${r.published} published, in ${(r.durationMs / 1000).toFixed(1)} s`
  );
}

const simulateSchema = z.strictObject({
  rate: z.coerce.number().positive().max(200_000),
  duration: z.coerce.number().positive().max(86_400),
  seed: z.string().min(1),
  malformedShare: z.coerce.number().min(0).max(1),
  duplicateShare: z.coerce.number().min(0).max(1),
});

function parseSimulate(opts: Record<string, unknown>, config: Config): SimulateOptions {
  const parsed = simulateSchema.safeParse(opts);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
  }
  return {
    rate: parsed.data.rate,
    durationSeconds: parsed.data.duration,
    seed: parsed.data.seed,
    malformedShare: parsed.data.malformedShare,
    duplicateShare: parsed.data.duplicateShare,
    shards: config.stream.shards,
    onProgress: say,
  };
}

function formatDeadLetter(d: DeadLetter): string {
  const text = d.data.toString('utf8');
  const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return `${d.id}  ${d.deadLetteredAt.toISOString()}  ${d.reason.padEnd(20)} ${d.detail.slice(0, 80)}\n    ${d.data.length} bytes: ${JSON.stringify(preview)}`;
}

async function withBus<T>(config: Config, fn: (bus: EventBus) => Promise<T>): Promise<T> {
  const bus = buildEventBus(config);
  try {
    return await fn(bus);
  } finally {
    await bus.close();
  }
}

export function registerStreamCommands(program: Command, getConfig: () => Config): void {
  const stream = program.command('stream').description('the real-time consumers of the user events');
  stream
    .command('start')
    .description('start (or attach to) one supervised consumer per shard (workflows stream-consumer:<n>)')
    .option('--shard <n>', 'only this shard')
    .option('--paused', 'start paused')
    .action(async (opts: { shard?: string; paused?: boolean }) => {
      const config = getConfig();
      await withClient(config, async (client) => {
        const started = await startStreamConsumers(client, config, {
          shards: shardsOf(config, opts.shard),
          input: opts.paused ? { paused: true } : {},
        });
        for (const s of started) {
          out(`shard ${s.shard}: ${s.started ? 'started' : 'already running'} ${workflowUrl(config, s.workflowId)}`);
        }
      });
    });
  stream
    .command('stop')
    .description('drain each consumer: it consumes what is on the bus, projects every window, then completes')
    .option('--shard <n>', 'only this shard')
    .option('--timeout <seconds>', 'give up waiting after this long', '300')
    .action(async (opts: { shard?: string; timeout: string }) => {
      const config = getConfig();
      await withClient(config, async (client) => {
        const shards = shardsOf(config, opts.shard);
        for (const shard of shards) {
          await client.workflow
            .getHandle(streamConsumerWorkflowId(shard))
            .signal(streamDrainSignal)
            .catch((err) => {
              if (!(err instanceof WorkflowNotFoundError)) throw err;
              say(`shard ${shard}: no consumer running`);
            });
        }
        const deadline = Date.now() + Number(opts.timeout) * 1000;
        for (const shard of shards) {
          const handle = client.workflow.getHandle(streamConsumerWorkflowId(shard));
          while (Date.now() < deadline) {
            const d = await handle.describe().catch(() => undefined);
            if (!d || d.status.name !== 'RUNNING') {
              say(`shard ${shard}: ${d ? d.status.name.toLowerCase() : 'not started'}`);
              break;
            }
            const s = await handle.query(streamStatusQuery).catch(() => undefined);
            say(`shard ${shard}: draining (processed ${s?.processed ?? '?'}, lag ${s?.lag ?? '?'})`);
            await new Promise((r) => setTimeout(r, 2_000));
          }
        }
      });
    });
  for (const [name, signal, text] of [
    ['pause', streamPauseSignal, 'stop consuming after the batch in hand (the backlog waits on the bus)'],
    ['resume', streamResumeSignal, 'resume paused consumers'],
  ] as const) {
    stream
      .command(name)
      .description(text)
      .option('--shard <n>', 'only this shard')
      .action(async (opts: { shard?: string }) => {
        const config = getConfig();
        await withClient(config, async (client) => {
          for (const shard of shardsOf(config, opts.shard)) {
            await client.workflow.getHandle(streamConsumerWorkflowId(shard)).signal(signal);
            out(`shard ${shard}: ${name} sent`);
          }
        });
      });
  }
  stream
    .command('status')
    .description('each consumer: workflow, state, lag, rate, watermark, counters, dead letters, UI link')
    .option('--shard <n>', 'only this shard')
    .option('--json', 'machine-readable output')
    .option('--metrics <minutes>', 'also print the live metrics of the last N minutes')
    .action(async (opts: { shard?: string; json?: boolean; metrics?: string }) => {
      const config = getConfig();
      const rows = await withClient(config, (client) => streamStatus(client, config, shardsOf(config, opts.shard)));
      if (opts.json) out(JSON.stringify(rows, null, 2));
      else out(formatStatus(rows));
      if (opts.metrics && !opts.json) out(await liveMetrics(config, Number(opts.metrics)));
    });
  stream
    .command('produce')
    .description('publish generated events straight to the bus (no database): load tests')
    .requiredOption('--rate <n>', 'events per second')
    .requiredOption('--duration <seconds>', 'how long')
    .option('--seed <s>', 'generator seed', 'load')
    .option('--malformed-share <p>', 'share of malformed messages', '0')
    .option('--stream <name>', 'publish everything to this one stream instead of the tenants’ shard streams')
    .action(async (opts: Record<string, string>) => {
      const config = getConfig();
      const { stream: only, ...rest } = opts;
      const options = { ...parseSimulate({ ...rest, duplicateShare: '0' }, config), ...(only ? { stream: only } : {}) };
      const result = await withBus(config, (bus) => produceEvents(bus, options));
      out(formatSimulation(result, 'produced'));
    });

  const dlq = stream.command('dlq').description('dead-lettered messages: reason, detail and the original bytes');
  const since = new Option('--since <time>', 'only those dead-lettered at or after this ISO time or date');
  const parseSince = (s?: string): Date | undefined => {
    if (s === undefined) return undefined;
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new Error(`--since: not a date or time: ${JSON.stringify(s)}`);
    return d;
  };
  dlq
    .command('list')
    .description('list dead letters, oldest first')
    .addOption(since)
    .option('--shard <n>', 'only this shard')
    .option('--limit <n>', 'at most this many per shard', '50')
    .action(async (opts: { since?: string; shard?: string; limit: string }) => {
      const config = getConfig();
      await withBus(config, async (bus) => {
        for (const shard of shardsOf(config, opts.shard)) {
          const sinceDate = parseSince(opts.since);
          const letters = await bus.listDeadLetters(streamOfShard(shard), {
            limit: Number(opts.limit),
            ...(sinceDate ? { since: sinceDate } : {}),
          });
          out(`shard ${shard} (${streamOfShard(shard)}:dlq): ${letters.length} dead letter(s)`);
          for (const d of letters) out(`  ${formatDeadLetter(d)}`);
        }
      });
    });
  dlq
    .command('replay')
    .description(
      'publish dead letters back to their stream (after a fix), then remove them from the dead-letter stream',
    )
    .addOption(since)
    .option('--shard <n>', 'only this shard')
    .option('--limit <n>', 'at most this many per shard', '10000')
    .action(async (opts: { since?: string; shard?: string; limit: string }) => {
      const config = getConfig();
      await withBus(config, async (bus) => {
        for (const shard of shardsOf(config, opts.shard)) {
          const name = streamOfShard(shard);
          const sinceDate = parseSince(opts.since);
          const letters = await bus.listDeadLetters(name, {
            limit: Number(opts.limit),
            ...(sinceDate ? { since: sinceDate } : {}),
          });
          if (letters.length === 0) {
            out(`shard ${shard}: nothing to replay`);
            continue;
          }
          // Republish first, remove second: a crash in between replays twice, and the consumer dedupes.
          await bus.publish(
            name,
            letters.map((d) => ({ data: d.data, attributes: { ...d.attributes, replayed_from: d.id } })),
          );
          const removed = await bus.removeDeadLetters(
            name,
            letters.map((d) => d.id),
          );
          out(`shard ${shard}: replayed ${letters.length}, removed ${removed} from ${name}:dlq`);
        }
      });
    });

  program
    .command('app')
    .description('the User Module, simulated')
    .command('simulate')
    .description(
      'act as the User Module: write events to the source database and publish them through the outbox to the bus',
    )
    .requiredOption('--rate <n>', 'events per second (a few thousand at most: each is a database row)')
    .requiredOption('--duration <seconds>', 'how long')
    .option('--seed <s>', 'generator seed (same seed, same events)', 'demo')
    .option('--malformed-share <p>', 'share of malformed messages (bus only; never stored)', '0')
    .option('--duplicate-share <p>', 'share of events the relay publishes twice', '0')
    .action(async (opts: Record<string, string>) => {
      const config = getConfig();
      const options = parseSimulate(opts, config);
      const pool = sourcePool({ ...config.sourceDb, maxConnections: 2 }, 'hire10x-app-simulate');
      try {
        const result = await withBus(config, (bus) => simulateApp(pool, bus, options));
        out(formatSimulation(result, 'simulated'));
      } finally {
        await pool.end();
      }
    });
}
