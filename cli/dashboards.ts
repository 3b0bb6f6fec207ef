import type { Command } from 'commander';
import type { Warehouse } from '../adapters/ports';
import { DuckDbWarehouse } from '../adapters/warehouse/duckdb';
import type { Config } from '../config';
import { BASE } from '../dashboards/page';
import { DASHBOARD_NAMES, DASHBOARDS } from '../dashboards/tiles';

/**
 * How long a dashboard request waits for another process (a worker loading a day) to release the DuckDB file
 * before answering 503: a page should not hang for the adapter's default 30 s. @default 5000
 */
export const DASHBOARD_LOCK_WAIT_MS = 5_000;

/**
 * The warehouse `analytics api` serves the dashboards from: the local DuckDB file (opened per request, like the
 * CLI's reads). None on gcp: the dashboards have no API key and production has Looker over BigQuery.
 */
export function dashboardWarehouse(config: Config): Warehouse | undefined {
  return config.platform === 'local'
    ? new DuckDbWarehouse(config.warehouse.duckdbPath, DASHBOARD_LOCK_WAIT_MS)
    : undefined;
}

export interface DashboardUrls {
  index: string;
  pages: { name: string; title: string; url: string; api: string }[];
}

export function dashboardUrls(publicUrl: string): DashboardUrls {
  return {
    index: `${publicUrl}${BASE}/`,
    pages: DASHBOARD_NAMES.map((name) => ({
      name,
      title: DASHBOARDS[name].title,
      url: `${publicUrl}${BASE}/${name}`,
      api: `${publicUrl}${BASE}/api/${name}`,
    })),
  };
}

export function formatDashboardUrls(urls: DashboardUrls): string {
  return [
    `Dashboards: ${urls.index}`,
    ...urls.pages.map((p) => `  ${p.title.padEnd(20)} ${p.url}`),
    `  JSON per dashboard:  ${urls.pages[0]?.api.replace(/[^/]+$/, '<name>')}?tenant=&from=YYYY-MM-DD&to=YYYY-MM-DD`,
  ].join('\n');
}

/** `analytics dashboards`: the URLs of the local dashboards, and whether the API serving them answers. */
export function registerDashboardCommands(program: Command, getConfig: () => Config): void {
  program
    .command('dashboards')
    .description('print the URLs of the local dashboards (served by the HTTP API) and check that they answer')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const config = getConfig();
      if (config.platform !== 'local') {
        throw new Error(
          'the dashboards are served on the local platform only (PLATFORM=local); production uses Looker',
        );
      }
      const urls = dashboardUrls(config.api.publicUrl);
      const serving = await fetch(urls.index, { signal: AbortSignal.timeout(2_000) }).then(
        (res) => res.ok,
        () => false,
      );
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...urls, serving }, null, 2)}\n`);
      else {
        process.stdout.write(`${formatDashboardUrls(urls)}\n`);
        if (!serving) {
          process.stderr.write(
            `the API does not answer at ${config.api.publicUrl}: start it with \`analytics dev up --api\` (or \`analytics api\`)\n`,
          );
        }
      }
      if (!serving) process.exitCode = 1;
    });
}
