import { describe, expect, it } from 'vitest';
import {
  assertIdentifier,
  checkDataset,
  columnOf,
  SchemaError,
  tableByName,
  userAnalytics,
  type Column,
  type Dataset,
  type DatasetRule,
  type Table,
} from '../../schema/warehouse';

/** A deep copy of the real dataset with one table changed, so each test breaks exactly one rule. */
function withTable(name: string, change: (table: Table) => void): Dataset {
  const copy = structuredClone(userAnalytics);
  const table = copy.tables.find((t) => t.name === name);
  if (!table) throw new Error(`no table ${name}`);
  change(table);
  return copy;
}

function column(table: Table, name: string): Column {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${table.name}.${name}`);
  return found;
}

const rulesBroken = (ds: Dataset): DatasetRule[] => [...new Set(checkDataset(ds).map((p) => p.rule))];

function caught(fn: () => unknown): SchemaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SchemaError) return err;
    throw err;
  }
  throw new Error('expected a SchemaError');
}

describe('user_analytics dataset', () => {
  it('passes its own rules', () => {
    expect(checkDataset(userAnalytics)).toEqual([]);
  });

  it('holds the tables the pipelines and dashboards rely on', () => {
    const names = userAnalytics.tables.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'fact_user_activities',
        'fact_session_metrics',
        'fact_auth_events',
        'fact_team_collaborations',
        'fact_api_requests',
        'fact_permission_checks',
        'dim_users',
        'dim_tenants',
        'dim_teams',
        'dim_roles',
        'dim_timeperiod',
        'security_incidents',
        'dq_results',
        'audit_log',
        'pipeline_runs',
      ]),
    );
    expect(names.filter((n) => n.startsWith('rpt_')).length).toBeGreaterThanOrEqual(4);
  });

  it('keeps source event ids and erases personal data as the GDPR saga expects', () => {
    for (const table of userAnalytics.tables.filter((t) => t.kind === 'fact' && t.name !== 'fact_session_metrics')) {
      expect(table.primaryKey, table.name).toEqual(['event_id']);
    }
    const users = tableByName('dim_users');
    expect(users.primaryKey).toEqual(['user_id']);
    // Decision (c): the person's dim_users row becomes a tombstone under the pseudonym (schema/erasure), its personal
    // columns NULL; it is no longer deleted.
    expect(columnOf(users, 'user_id').erasure).toBe('tokenise');
    for (const c of users.columns.filter((c) => c.pii)) expect(c.erasure, `dim_users.${c.name}`).toBe('anonymise');
    for (const table of userAnalytics.tables.filter((t) => t.kind === 'fact')) {
      expect(columnOf(table, 'user_id').erasure, table.name).toBe('tokenise');
      for (const c of table.columns.filter((c) => c.pii))
        expect(c.erasure, `${table.name}.${c.name}`).toBe('anonymise');
    }
    expect(columnOf('fact_auth_events', 'attempted_email').pii).toBe(true);
    expect(tableByName('audit_log').retentionDays).toBe(2555);
    expect(tableByName('audit_log').columns.some((c) => c.pii)).toBe(false);
  });
});

describe('checkDataset refuses a broken dataset', () => {
  const cases: Array<[string, DatasetRule, Dataset]> = [
    ['a table name not in lower_snake_case', 'naming', withTable('dim_teams', (t) => (t.name = 'dimTeams'))],
    ['a fact without the fact_ prefix', 'naming', withTable('fact_api_requests', (t) => (t.name = 'api_requests'))],
    [
      'a column name with a space',
      'naming',
      withTable('dim_teams', (t) => (column(t, 'team_name').name = 'team name')),
    ],
    [
      'a table defined twice',
      'duplicate',
      { ...userAnalytics, tables: [...userAnalytics.tables, tableByName('dim_teams')] },
    ],
    [
      'a column defined twice',
      'duplicate',
      withTable('dim_teams', (t) => t.columns.push({ ...column(t, 'team_name') })),
    ],
    ['a primary key on a missing column', 'primary_key', withTable('dim_teams', (t) => (t.primaryKey = ['id']))],
    [
      'a nullable primary key column',
      'primary_key',
      withTable('dim_teams', (t) => (column(t, 'team_id').mode = 'NULLABLE')),
    ],
    [
      'a partition column that is not a DATE',
      'partition',
      withTable('dq_results', (t) => (t.partitionColumn = 'checked_at')),
    ],
    [
      'requirePartitionFilter without a partition',
      'partition',
      withTable('dim_teams', (t) => (t.requirePartitionFilter = true)),
    ],
    [
      'tenant_id not first in clusterBy',
      'clustering',
      withTable('dim_users', (t) => (t.clusterBy = ['status', 'tenant_id'])),
    ],
    ['a missing clustering column', 'clustering', withTable('dim_teams', (t) => (t.clusterBy = ['tenant_id', 'nope']))],
    [
      'more than four clustering columns',
      'clustering',
      withTable('dim_users', (t) => (t.clusterBy = ['tenant_id', 'status', 'country', 'region', 'city'])),
    ],
    [
      'a fact not partitioned by event_date',
      'fact_shape',
      withTable('fact_auth_events', (t) => {
        t.columns.push({ name: 'load_date', type: 'DATE', mode: 'REQUIRED', description: 'x' });
        t.partitionColumn = 'load_date';
      }),
    ],
    [
      'a fact without tenant_id',
      'fact_shape',
      withTable('fact_auth_events', (t) => {
        t.columns = t.columns.filter((c) => c.name !== 'tenant_id');
        t.clusterBy = ['event_type'];
      }),
    ],
    [
      'a fact clustered without tenant_id',
      'fact_shape',
      withTable('fact_auth_events', (t) => (t.clusterBy = ['event_type'])),
    ],
    [
      'a fact user_id kept on erasure',
      'fact_shape',
      withTable('fact_auth_events', (t) => (column(t, 'user_id').erasure = 'keep')),
    ],
    [
      'a pii column kept on erasure',
      'pii_erasure',
      withTable('fact_auth_events', (t) => (column(t, 'ip').erasure = 'keep')),
    ],
    [
      'a pii column with no erasure rule (defaults to keep)',
      'pii_erasure',
      withTable('fact_auth_events', (t) => delete column(t, 'ip').erasure),
    ],
    [
      'a personal-data column not flagged pii',
      'pii_flag',
      withTable('fact_api_requests', (t) =>
        t.columns.push({ name: 'ip', type: 'STRING', description: 'x', erasure: 'anonymise' }),
      ),
    ],
    [
      'a user id in a reporting table',
      'reporting_personal',
      withTable('rpt_engagement_daily', (t) =>
        t.columns.push({ name: 'user_id', type: 'STRING', description: 'x', erasure: 'tokenise' }),
      ),
    ],
    ['retention without a partition', 'retention', withTable('dim_teams', (t) => (t.retentionDays = 30))],
    ['a fractional retention', 'retention', withTable('fact_auth_events', (t) => (t.retentionDays = 1.5))],
  ];

  it.each(cases)('%s', (_what, rule, dataset) => {
    expect(rulesBroken(dataset)).toContain(rule);
  });

  it('names the table and column of each problem', () => {
    const problems = checkDataset(withTable('fact_auth_events', (t) => (column(t, 'ip').erasure = 'keep')));
    expect(problems.map(({ rule, table, column }) => ({ rule, table, column }))).toEqual([
      { rule: 'pii_erasure', table: 'fact_auth_events', column: 'ip' },
    ]);
    expect(problems[0]?.message).toContain('ip');
  });
});

describe('lookups refuse unknown names with a typed, non-retryable error', () => {
  it('tableByName names an unknown table', () => {
    const err = caught(() => tableByName('fact_nope'));
    expect(err).toMatchObject({ type: 'UnknownTable', value: 'fact_nope', nonRetryable: true, name: 'SchemaError' });
    expect(err.message).toContain('"fact_nope"');
    expect(tableByName('dim_users').name).toBe('dim_users');
  });

  it('columnOf names an unknown column and its table, or an unknown table', () => {
    const err = caught(() => columnOf('dim_users', 'password'));
    expect(err).toMatchObject({ type: 'UnknownColumn', value: 'password', table: 'dim_users', nonRetryable: true });
    expect(err.message).toContain('"password"');
    expect(err.message).toContain('dim_users');
    expect(caught(() => columnOf('no_such_table', 'user_id'))).toMatchObject({
      type: 'UnknownTable',
      value: 'no_such_table',
    });
    expect(columnOf(tableByName('dim_users'), 'email').pii).toBe(true);
  });

  it('assertIdentifier returns safe identifiers and refuses the rest', () => {
    expect(assertIdentifier('fact_auth_events')).toBe('fact_auth_events');
    for (const bad of ['', 'Users', '1st', 'a__b', 'trailing_', 'x; drop table dim_users', 'a'.repeat(129)]) {
      const err = caught(() => assertIdentifier(bad));
      expect(err).toMatchObject({ type: 'InvalidIdentifier', value: bad, nonRetryable: true });
      expect(err.message).toContain(JSON.stringify(bad));
    }
  });
});
