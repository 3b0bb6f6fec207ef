import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { Config } from '../config';
import { runApiServer } from '../api/server';
import { dashboardWarehouse } from './dashboards';

const say = (line: string) => process.stderr.write(`${line}\n`);

interface ApiOptions {
  apiKey?: string;
  apiUrl?: string;
}

/** Calls the HTTP API (config.api.publicUrl) with the key from --api-key or ANALYTICS_API_KEY. */
export async function callApi(
  config: Config,
  opts: ApiOptions,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const key = opts.apiKey ?? config.env.ANALYTICS_API_KEY;
  if (!key) {
    throw new Error('no API key: pass --api-key or set ANALYTICS_API_KEY (create one: analytics api-keys create …)');
  }
  const base = (opts.apiUrl ?? config.api.publicUrl).replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new Error(
      `cannot reach the API at ${base} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}). ` +
        'Start it: analytics api (or analytics dev up --api)',
      { cause: err },
    );
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (res.status >= 400) {
    const e = (parsed as { error?: { code?: string; message?: string; fields?: Record<string, string[]> } }).error;
    const fields = e?.fields
      ? `\n${Object.entries(e.fields)
          .map(([k, v]) => `  ${k}: ${v.join('; ')}`)
          .join('\n')}`
      : '';
    throw new Error(`API ${res.status} ${e?.code ?? ''}: ${e?.message ?? text}${fields}`);
  }
  return { status: res.status, body: parsed };
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
const TERMINAL = new Set(['completed', 'rejected', 'cancelled', 'failed', 'terminated', 'timed_out']);

/** `analytics api` (the server) and `analytics gdpr erase|status|cancel|certificate` (its client). */
export function registerApiCommands(program: Command, getConfig: () => Config): void {
  program
    .command('api')
    .description(
      'run the HTTP API in the foreground (GDPR erasure, codec endpoint, local dashboards); SIGINT/SIGTERM drain it',
    )
    .option('--host <host>', 'interface to listen on (default API_HOST, 127.0.0.1)')
    .option('--port <port>', 'port (default API_PORT, 8080)')
    .action(async (opts: { host?: string; port?: string }) => {
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new Error(`--port must be 0..65535 (got ${opts.port})`);
      }
      const config = getConfig();
      await runApiServer(config, { host: opts.host, port, warehouse: dashboardWarehouse(config) });
    });

  const gdpr = program.command('gdpr').description('GDPR erasure requests, through the HTTP API');
  const withApiOptions = (cmd: Command) =>
    cmd
      .option('--api-key <key>', 'API key (default: ANALYTICS_API_KEY)')
      .option('--api-url <url>', 'API base URL (default: API_PUBLIC_URL)');

  withApiOptions(
    gdpr
      .command('erase')
      .description('request the erasure of a user (idempotent per --idempotency-key; an open request is reused)')
      .requiredOption('--tenant <id>', 'tenant id')
      .requiredOption('--user <id>', 'user id')
      .option('--requested-by <who>', 'principal id that asked (ticket, operator id; never an email)', 'cli')
      .option('--reason <text>', 'why')
      .option('--idempotency-key <key>', 'reuse to make a retried command safe (default: a new UUID)')
      .option('--wait', 'wait until the request finishes and print its final status'),
  ).action(
    async (
      opts: ApiOptions & {
        tenant: string;
        user: string;
        requestedBy: string;
        reason?: string;
        idempotencyKey?: string;
        wait?: boolean;
      },
    ) => {
      const config = getConfig();
      const res = await callApi(
        config,
        opts,
        'POST',
        '/v1/gdpr/erasure-requests',
        { tenantId: opts.tenant, userId: opts.user, requestedBy: opts.requestedBy, reason: opts.reason },
        { 'idempotency-key': opts.idempotencyKey ?? randomUUID() },
      );
      const accepted = res.body as { requestId: string; links: { ui: string } };
      say(`request ${accepted.requestId} accepted: ${accepted.links.ui}`);
      if (!opts.wait) {
        print(accepted);
        return;
      }
      for (;;) {
        const s = await callApi(config, opts, 'GET', `/v1/gdpr/erasure-requests/${accepted.requestId}`).catch(
          (err: Error) => {
            if (/API 503/.test(err.message)) return undefined;
            throw err;
          },
        );
        const state = (s?.body as { state?: string } | undefined)?.state;
        if (state && TERMINAL.has(state)) {
          print(s!.body);
          if (state !== 'completed') process.exitCode = 1;
          return;
        }
        await new Promise((r) => setTimeout(r, 2_000));
      }
    },
  );

  withApiOptions(
    gdpr.command('status').description('status of a request').argument('<id>', 'request id (er_…)'),
  ).action(async (id: string, opts: ApiOptions) => {
    print((await callApi(getConfig(), opts, 'GET', `/v1/gdpr/erasure-requests/${encodeURIComponent(id)}`)).body);
  });
  withApiOptions(
    gdpr
      .command('cancel')
      .description('cancel a request before its point of no return')
      .argument('<id>', 'request id (er_…)')
      .option('--reason <text>', 'why'),
  ).action(async (id: string, opts: ApiOptions & { reason?: string }) => {
    const res = await callApi(getConfig(), opts, 'POST', `/v1/gdpr/erasure-requests/${encodeURIComponent(id)}/cancel`, {
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    print(res.body);
  });
  withApiOptions(
    gdpr.command('certificate').description('the deletion certificate of a completed request').argument('<id>'),
  ).action(async (id: string, opts: ApiOptions) => {
    print(
      (await callApi(getConfig(), opts, 'GET', `/v1/gdpr/erasure-requests/${encodeURIComponent(id)}/certificate`)).body,
    );
  });
}
