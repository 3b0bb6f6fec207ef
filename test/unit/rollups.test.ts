import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allTiles } from '../../dashboards/tiles';
import type { BigQueryMaterializedView } from '../../schema/generate/bigquery';
import { BIGQUERY_VIEWS_DIR, generateFiles } from '../../schema/generate/files';
import { checkRollups, rollups, userAnalytics, type Rollup } from '../../schema/warehouse';

const sound = rollups[0];
if (!sound) throw new Error('no rollups declared');

describe('materialized-view rollups', () => {
  it('are sound against the warehouse schema', () => {
    expect(checkRollups(userAnalytics)).toEqual([]);
  });

  it.each<[string, Partial<Rollup>, string]>([
    ['an unknown base', { base: 'rpt_nothing' }, 'base rpt_nothing is not a table of user_analytics'],
    ['an unpartitioned base', { base: 'dim_tenants', groupBy: ['tenant_id'], sums: ['users'] }, 'is not partitioned'],
    ['a missing column', { sums: ['requests', 'nope'] }, 'column nope is not in rpt_api_errors_daily'],
    ['a non-additive measure', { sums: ['endpoint'] }, 'measure endpoint is STRING, not additive'],
    ['the partition column not first', { groupBy: ['tenant_id', 'report_date'] }, "the base's partition column"],
    [
      'the whole key',
      { groupBy: ['report_date', 'tenant_id', 'endpoint', 'method', 'status_class'] },
      'the view would copy the mart',
    ],
    ['a cluster column outside the group', { clusterBy: ['tenant_id', 'endpoint'] }, 'clusterBy must be group-by'],
    ['tenant_id not clustered first', { clusterBy: ['status_class', 'tenant_id'] }, 'tenant_id must cluster first'],
    ['a staleness of days', { maxStalenessHours: 48 }, 'maxStalenessHours must be'],
    ['a table name', { name: 'rpt_api_errors_daily' }, 'name must be mv_'],
  ])('report %s', (_what, change, problem) => {
    const problems = checkRollups(userAnalytics, [{ ...sound, ...change }]);
    expect(problems.join('\n')).toContain(problem);
  });

  it('report a personal column', () => {
    const problems = checkRollups(userAnalytics, [
      { ...sound, base: 'fact_auth_events', groupBy: ['event_date', 'ip'], sums: ['event_id'], clusterBy: [] },
    ]);
    expect(problems).toContain('mv_api_errors_by_class_daily: column ip is personal data');
  });

  it('each serve dashboard tiles that read their mart', () => {
    const tiles = new Map(allTiles().map((t) => [t.id, t]));
    for (const r of rollups) {
      expect(r.tiles.length).toBeGreaterThan(0);
      for (const id of r.tiles) expect(tiles.get(id)?.mart, `${r.name} → ${id}`).toBe(r.base);
    }
  });

  it('are generated as BigQuery materialized views with max_staleness, aligned with their mart', () => {
    const files = new Map(generateFiles(userAnalytics).map((f) => [f.path, f.content]));
    for (const r of rollups) {
      const content = files.get(`${BIGQUERY_VIEWS_DIR}/${r.name}.json`);
      if (!content) throw new Error(`${r.name} not generated`);
      const view = JSON.parse(content) as BigQueryMaterializedView;
      expect(view.tableReference.tableId).toBe(r.name);
      expect(view.materializedView.query).toContain(`FROM \`{{PROJECT_ID}}.user_analytics.${r.base}\``);
      expect(view.materializedView.maxStaleness).toBe(`0-0 0 ${r.maxStalenessHours}:0:0`);
      expect(view.timePartitioning).toEqual({ type: 'DAY', field: 'report_date' });
      expect(view.clustering.fields).toEqual(r.clusterBy);
      // Committed and read by Terraform.
      expect(fs.readFileSync(`${BIGQUERY_VIEWS_DIR}/${r.name}.json`, 'utf8')).toBe(content);
    }
    const main = fs.readFileSync('infra/terraform/modules/bigquery/main.tf', 'utf8');
    expect(main).toContain('views_dir  = "${path.module}/../../bigquery/materialized_views"');
    expect(BIGQUERY_VIEWS_DIR).toBe('infra/terraform/bigquery/materialized_views');
    expect(main).toContain('fileset(local.views_dir, "*.json")');
    expect(main).toMatch(/max_staleness\s+= each\.value\.materializedView\.maxStaleness/);
  });
});
