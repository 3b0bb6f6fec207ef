import type { QueryParam, Row, Warehouse } from '../adapters/ports';
import { ErrorType } from '../schema/failure-types';
import { findTable, userAnalytics } from '../schema/warehouse';
import { DAILY_PIPELINE } from '../workflows/pipelines';
import { workflowUiUrl } from '../workflows/ui-links';
import { addDays, DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS, spanDays, type DashboardQuery } from './filters';
import {
  DASHBOARDS,
  paramsOf,
  partitionOf,
  tablesOf,
  type DashboardName,
  type DashboardSpec,
  type TileSpec,
} from './tiles';

/** A filter the warehouse refuses (an unknown tenant): the API answers 400 naming the field. */
export class DashboardInputError extends Error {
  constructor(
    readonly field: 'tenant' | 'from' | 'to',
    message: string,
  ) {
    super(message);
    this.name = 'DashboardInputError';
  }
}

export interface RunLink {
  workflowId: string;
  runId: string;
  /** The run's history page in the Temporal Web UI. */
  url: string;
}

/** One tile as the page draws it: its declaration (without the SQL) and its rows. */
export interface TileData extends Omit<TileSpec, 'sql'> {
  rows: Row[];
  /** The newest day (partition) the tile shows; null when it shows nothing. */
  latestDate: string | null;
  /** The succeeded pipeline run that produced `latestDate` (daily and runs tiles); null when none is recorded. */
  run: RunLink | null;
  /** Where to look instead when the data does not come from a pipeline run (stream tiles: the consumers). */
  link?: { label: string; url: string };
  /** Why the tile is empty although the query ran (e.g. the table does not exist yet). */
  note?: string;
}

export interface DashboardData {
  dashboard: { name: DashboardName; title: string; description: string };
  dashboards: { name: DashboardName; title: string }[];
  /** The filters applied; `defaulted` says which of from/to the server chose. */
  filters: { tenant: string | null; from: string; to: string; defaulted: ('from' | 'to')[] };
  tenants: { id: string; name: string }[];
  tiles: TileData[];
}

const DS = userAnalytics.name;
const date = (value: string): QueryParam => ({ type: 'DATE', value });
const str = (v: Row[string] | undefined) => (v === null || v === undefined ? null : String(v));

/** `mart` of a tile for provenance: the pipeline_runs tile asks for the newest run in the range. */
const provenanceKey = (tile: TileSpec) => `${tile.mart}:${tile.scope}`;

/**
 * One statement per dashboard: for each pipeline-fed mart (under the tenant filter where it applies) the newest day
 * in the range, and the newest succeeded daily run of that day (the run that produced it: a rerun replaces the
 * partition). Built from the catalogue's table names only.
 */
export function provenanceSql(spec: DashboardSpec): string | undefined {
  const keyed = new Map<string, TileSpec>();
  for (const tile of spec.tiles) if (tile.source !== 'stream') keyed.set(provenanceKey(tile), tile);
  if (keyed.size === 0) return undefined;
  const latest = [...keyed.entries()].map(([key, tile]) => {
    const column = partitionOf(tile.mart);
    const where = [`${column} between @from and @to`];
    if (tile.scope === 'tenant') where.push('(@tenant is null or tenant_id = @tenant)');
    if (tile.source === 'runs') where.push(`pipeline = '${DAILY_PIPELINE}'`, `status = 'succeeded'`);
    return `select '${key}' as tile_key, max(${column}) as latest_date from ${DS}.${findTable(userAnalytics, tile.mart).name} where ${where.join(' and ')}`;
  });
  return `with latest as (
  ${latest.join('\n  union all\n  ')}
), runs as (
  select logical_date, workflow_id, run_id,
         row_number() over (partition by logical_date order by finished_at desc, started_at desc, run_id desc) as newest
  from ${DS}.pipeline_runs
  where logical_date between @from and @to and pipeline = '${DAILY_PIPELINE}' and status = 'succeeded'
)
select latest.tile_key, latest.latest_date, runs.workflow_id, runs.run_id
from latest left join runs on runs.logical_date = latest.latest_date and runs.newest = 1`;
}

/** The newest partition with data among the dashboard's tables, no older than their retention. */
export function latestDaySql(spec: DashboardSpec): string {
  const tables = [...new Set(spec.tiles.flatMap((t) => tablesOf(t.sql)))];
  const parts = tables.map((table) => {
    const column = partitionOf(table);
    return `select max(${column}) as d from ${DS}.${table} where ${column} >= @since`;
  });
  return `select max(d) as latest_day from (\n  ${parts.join('\n  union all\n  ')}\n) as newest`;
}

const TENANTS_SQL = `select tenant_id, tenant_name from ${DS}.dim_tenants order by tenant_name, tenant_id`;

/** The consumers in the Temporal UI (stream tiles have no pipeline run; their consumers are workflows too). */
const consumersUrl = (ui: { url: string; namespace: string }) =>
  `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows?query=${encodeURIComponent('Pipeline="stream-consumer"')}`;

const isMissingTable = (err: unknown) =>
  (err as { name?: string; type?: string }).name === 'PlatformError' &&
  (err as { type?: string }).type === ErrorType.NotFound;

/**
 * Reads the dashboards' tiles from the warehouse through the Warehouse port (the CLI's way: DuckDB opened per
 * operation, so the worker keeps loading while a page is open). All tile queries of a page run concurrently.
 */
export class DashboardService {
  private readonly retentionFloorDays: Record<DashboardName, number>;

  constructor(
    private readonly deps: {
      warehouse: Warehouse;
      /** The Temporal Web UI base URL and namespace, for run links. */
      ui: { url: string; namespace: string };
      /** Today (UTC) as YYYY-MM-DD: the default range looks back no further than the tables' retention. */
      today?: () => string;
    },
  ) {
    this.retentionFloorDays = Object.fromEntries(
      Object.values(DASHBOARDS).map((spec) => [
        spec.name,
        Math.max(
          ...spec.tiles.flatMap((t) => tablesOf(t.sql)).map((n) => findTable(userAnalytics, n).retentionDays ?? 730),
        ),
      ]),
    ) as Record<DashboardName, number>;
  }

  private today(): string {
    return this.deps.today?.() ?? new Date().toISOString().slice(0, 10);
  }

  /** Runs `sql` with exactly the parameters it uses; a missing table reads as no rows. */
  private async run(sql: string, values: Record<string, QueryParam>): Promise<{ rows: Row[]; missing?: true }> {
    const params = Object.fromEntries(paramsOf(sql).map((name) => [name, values[name] as QueryParam]));
    try {
      return { rows: await this.deps.warehouse.query(sql, params) };
    } catch (err) {
      if (isMissingTable(err)) return { rows: [], missing: true };
      throw err;
    }
  }

  async tenants(): Promise<{ id: string; name: string }[]> {
    const { rows } = await this.run(TENANTS_SQL, {});
    return rows.map((r) => ({ id: String(r.tenant_id), name: String(r.tenant_name) }));
  }

  /** The range when the request leaves `from` or `to` out: DEFAULT_RANGE_DAYS ending on the newest day with data. */
  private async range(spec: DashboardSpec, query: DashboardQuery): Promise<DashboardData['filters']> {
    const defaulted: ('from' | 'to')[] = [];
    let { from, to } = query;
    if (!to) {
      defaulted.push('to');
      const since = addDays(this.today(), -this.retentionFloorDays[spec.name]);
      const { rows } = await this.run(latestDaySql(spec), { since: date(since) });
      const latest = str(rows[0]?.latest_day) ?? this.today();
      to = from && from > latest ? from : latest;
      if (from && spanDays(from, to) > MAX_RANGE_DAYS) to = addDays(from, MAX_RANGE_DAYS - 1);
    }
    if (!from) {
      defaulted.push('from');
      from = addDays(to, -(DEFAULT_RANGE_DAYS - 1));
    }
    if (from > to) throw new DashboardInputError('from', `from (${from}) is after to (${to})`);
    return { tenant: query.tenant || null, from, to, defaulted };
  }

  async load(name: DashboardName, query: DashboardQuery): Promise<DashboardData> {
    const spec = DASHBOARDS[name];
    const tenant = query.tenant || null;
    // The tenants are read beside everything else (one DuckDB open when from/to are given) and checked before answering.
    const tenantsRead = this.tenants();
    void tenantsRead.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    const filters = await this.range(spec, query);
    const values: Record<string, QueryParam> = {
      from: date(filters.from),
      to: date(filters.to),
      tenant: { type: 'STRING', value: tenant },
    };
    const provenance = provenanceSql(spec);
    const [results, runs] = await Promise.all([
      Promise.all(spec.tiles.map((tile) => this.run(tile.sql, values))),
      provenance ? this.run(provenance, values) : Promise.resolve({ rows: [] as Row[] }),
    ]);
    const tenants = await tenantsRead;
    if (tenant !== null && !tenants.some((t) => t.id === tenant)) {
      throw new DashboardInputError('tenant', `unknown tenant ${JSON.stringify(tenant)} (not in dim_tenants)`);
    }
    const byKey = new Map(runs.rows.map((r) => [String(r.tile_key), r]));
    const tiles = spec.tiles.map((tile, i): TileData => {
      const { sql: _sql, ...declared } = tile;
      const result = results[i] ?? { rows: [] };
      const p = byKey.get(provenanceKey(tile));
      const workflowId = str(p?.workflow_id);
      const runId = str(p?.run_id);
      const data: TileData = {
        ...declared,
        rows: result.rows,
        latestDate: result.rows.length ? str(p?.latest_date) : null,
        run:
          result.rows.length && workflowId && runId
            ? { workflowId, runId, url: workflowUiUrl(this.deps.ui, workflowId, runId) }
            : null,
      };
      if (tile.source === 'stream') {
        data.latestDate = str(result.rows.at(-1)?.[tile.x.column])?.slice(0, 10) ?? null;
        data.link = { label: 'stream consumers', url: consumersUrl(this.deps.ui) };
      }
      if (result.missing) data.note = 'its table is not in the warehouse yet: run the daily pipeline';
      return data;
    });
    return {
      dashboard: { name: spec.name, title: spec.title, description: spec.description },
      dashboards: Object.values(DASHBOARDS).map((d) => ({ name: d.name, title: d.title })),
      filters,
      tenants,
      tiles,
    };
  }
}
