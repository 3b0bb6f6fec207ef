import { describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../adapters/ports';
import { summarisePlan, type LakeItem } from '../../activities/retention/plan';
import { planItems, type PlanInputs } from '../../activities/retention/planner';
import { RETENTION_POLICY } from '../../schema/retention/policy';

const AS_OF = '2026-12-01';
// Defaults: raw 30 → cutoff 2026-11-01; processed 90 → 2026-09-02; archive 1095 → 2023-12-02; scratch 7 → 2026-11-24.
const OLD = '2026-11-20T10:00:00.000Z';
const NEW = '2026-11-30T10:00:00.000Z';
const obj = (key: string, size = 10, updated = NEW): ObjectInfo => ({ key, size, updated, version: 'v1' });

function inputs(overrides: Partial<PlanInputs> = {}): PlanInputs {
  return {
    listings: { raw: [], processed: [], archive: [] },
    finishedRuns: new Set(),
    warehouse: [],
    streams: [],
    ...overrides,
  };
}

const lake = (items: ReturnType<typeof planItems>) => items.filter((i): i is LakeItem => 'objects' in i);

describe('retention planner', () => {
  it('archives raw partitions past the raw window by their dt= day, data files first, the marker last', () => {
    const raw = [
      obj('users/dt=2026-10-31/_SUCCESS', 80),
      obj('users/dt=2026-10-31/part-1.parquet', 200),
      obj('users/dt=2026-10-31/part-0.parquet', 100),
      // GCS layout: generations under `_gen=`, the manifest beside them.
      obj('sessions/dt=2026-10-01/_MANIFEST', 90),
      obj('sessions/dt=2026-10-01/_gen=20261002T0200-0000-aa/part-0.parquet', 300),
      // The boundary day is kept; so is anything outside a partition.
      obj('users/dt=2026-11-01/part-0.parquet', 1, OLD),
      obj('users/loose.parquet', 1, OLD),
      obj('_health/probe-1', 1, OLD),
      obj('users/dt=2026-02-30/part-0.parquet', 1, OLD),
    ];
    const items = lake(planItems(RETENTION_POLICY, AS_OF, inputs({ listings: { raw, processed: [], archive: [] } })));
    expect(items.map((i) => [i.stage, i.action, i.prefix, i.objects.map((o) => o.key)])).toEqual([
      [
        'archive-raw',
        'archive',
        'sessions/dt=2026-10-01',
        ['sessions/dt=2026-10-01/_gen=20261002T0200-0000-aa/part-0.parquet', 'sessions/dt=2026-10-01/_MANIFEST'],
      ],
      [
        'archive-raw',
        'archive',
        'users/dt=2026-10-31',
        ['users/dt=2026-10-31/part-0.parquet', 'users/dt=2026-10-31/part-1.parquet', 'users/dt=2026-10-31/_SUCCESS'],
      ],
    ]);
    expect(items.every((i) => i.partition && i.zone === 'raw' && i.cutoff === 'dt < 2026-11-01')).toBe(true);
  });

  it('deletes a raw partition already past the archive retention instead of archiving it, marker first', () => {
    const raw = [obj('users/dt=2023-12-01/part-0.parquet'), obj('users/dt=2023-12-01/_SUCCESS')];
    const [item] = lake(planItems(RETENTION_POLICY, AS_OF, inputs({ listings: { raw, processed: [], archive: [] } })));
    expect(item).toMatchObject({
      stage: 'archive-raw',
      action: 'delete',
      target: 'raw/users',
      cutoff: 'dt < 2023-12-02',
    });
    expect(item?.objects.map((o) => o.key)).toEqual([
      'users/dt=2023-12-01/_SUCCESS',
      'users/dt=2023-12-01/part-0.parquet',
    ]);
  });

  it('deletes processed and archived partitions past their windows, and only those', () => {
    const processed = [
      obj('fact_auth_events/dt=2026-09-01/part-0.parquet'),
      obj('fact_auth_events/dt=2026-09-02/part-0.parquet', 10, OLD),
      obj('dim_users/dt=2026-08-01/_SUCCESS'),
    ];
    const archive = [obj('users/dt=2023-12-01/part-0.parquet'), obj('users/dt=2023-12-02/part-0.parquet', 10, OLD)];
    const items = lake(planItems(RETENTION_POLICY, AS_OF, inputs({ listings: { raw: [], processed, archive } })));
    expect(items.map((i) => [i.stage, i.target, i.prefix])).toEqual([
      ['delete-processed', 'processed/dim_users', 'dim_users/dt=2026-08-01'],
      ['delete-processed', 'processed/fact_auth_events', 'fact_auth_events/dt=2026-09-01'],
      ['delete-archive', 'archive/users', 'users/dt=2023-12-01'],
    ]);
  });

  it('sweeps staging of finished runs and of runs idle past the bound, and scratch objects by age', () => {
    const processed = [
      obj('_staging/finished1/attempt-1/fact_x/part-0.parquet'), // fresh, but its run is recorded finished
      obj('_staging/idle1/attempt-2/input-manifest.json', 5, OLD),
      obj('_staging/idle1/attempt-2/fact_x/part-0.parquet', 7, OLD),
      obj('_staging/live1/attempt-1/fact_x/part-0.parquet'), // a running run: kept
      obj('_staging/mixed1/attempt-1/a.parquet', 1, OLD), // one recent write keeps the whole run
      obj('_staging/mixed1/attempt-2/a.parquet', 1, NEW),
      obj('_activity/pipeline_runs/old.parquet', 3, OLD),
      obj('_activity/pipeline_runs/new.parquet', 3, NEW),
      obj('_retention/2026-11-01/abc/plan.json', 4, OLD),
      obj('_other/x/y', 1, OLD), // an area retention does not know: left alone
    ];
    const items = lake(
      planItems(
        RETENTION_POLICY,
        AS_OF,
        inputs({ listings: { raw: [], processed, archive: [] }, finishedRuns: new Set(['finished1', 'nobody']) }),
      ),
    );
    expect(items.map((i) => [i.target, i.prefix, i.cutoff, i.objects.map((o) => o.key)])).toEqual([
      [
        'processed/_activity',
        '_activity/pipeline_runs',
        'written before 2026-11-24T00:00:00.000Z',
        ['_activity/pipeline_runs/old.parquet'],
      ],
      [
        'processed/_retention',
        '_retention/2026-11-01',
        'written before 2026-11-24T00:00:00.000Z',
        ['_retention/2026-11-01/abc/plan.json'],
      ],
      [
        'processed/_staging',
        '_staging/finished1',
        'run finished',
        ['_staging/finished1/attempt-1/fact_x/part-0.parquet'],
      ],
      [
        'processed/_staging',
        '_staging/idle1',
        'no write since 2026-11-24T00:00:00.000Z',
        ['_staging/idle1/attempt-2/fact_x/part-0.parquet', '_staging/idle1/attempt-2/input-manifest.json'],
      ],
    ]);
    expect(items.every((i) => i.stage === 'sweep-scratch' && !i.partition && i.action === 'delete')).toBe(true);
  });

  it('plans expired warehouse partitions and stream backlogs, each stream once', () => {
    const items = planItems(
      RETENTION_POLICY,
      AS_OF,
      inputs({
        warehouse: [
          {
            table: 'fact_auth_events',
            cutoff: '2025-10-27',
            partitions: [
              { day: '2025-10-26', rows: 5, bytes: null },
              { day: '2025-10-01', rows: 7, bytes: null },
              { day: '2025-10-02', rows: 0, bytes: null }, // nothing there
              { day: '2025-10-27', rows: 9, bytes: null }, // not past the cutoff
            ],
          },
        ],
        streams: [
          {
            pattern: 'events:t*',
            before: new Date('2026-11-24T00:00:00Z'),
            backlog: [{ stream: 'events:t1', entries: 4, bytes: 40 }],
          },
          {
            pattern: 'events:*',
            before: new Date('2026-11-01T00:00:00Z'),
            backlog: [
              { stream: 'events:t1', entries: 2, bytes: 20 },
              { stream: 'events:a', entries: 0, bytes: 0 },
              { stream: 'events:b', entries: 1, bytes: 9 },
            ],
          },
        ],
      }),
    );
    expect(items).toEqual([
      {
        stage: 'warehouse',
        target: 'fact_auth_events',
        action: 'delete',
        cutoff: 'day < 2025-10-27',
        table: 'fact_auth_events',
        day: '2025-10-01',
        rows: 7,
        bytes: null,
      },
      expect.objectContaining({ stage: 'warehouse', day: '2025-10-26', rows: 5 }),
      expect.objectContaining({
        stage: 'streams',
        stream: 'events:t1',
        entries: 4,
        before: '2026-11-24T00:00:00.000Z',
      }),
      expect.objectContaining({ stage: 'streams', stream: 'events:b', entries: 1, bytes: 9 }),
    ]);
  });

  it('summarises counts and bytes per stage, target and action', () => {
    const raw = [
      obj('users/dt=2026-10-01/part-0.parquet', 100),
      obj('users/dt=2026-10-01/_SUCCESS', 20),
      obj('users/dt=2026-10-02/part-0.parquet', 50),
      obj('teams/dt=2026-10-02/part-0.parquet', 5),
      obj('teams/dt=2020-01-01/part-0.parquet', 1),
    ];
    const items = planItems(
      RETENTION_POLICY,
      AS_OF,
      inputs({
        listings: { raw, processed: [], archive: [] },
        warehouse: [
          { table: 'dq_results', cutoff: '2024-12-01', partitions: [{ day: '2024-01-01', rows: 3, bytes: 300 }] },
        ],
      }),
    );
    expect(summarisePlan(items)).toEqual([
      {
        stage: 'archive-raw',
        target: 'raw/teams',
        action: 'delete',
        cutoff: 'dt < 2023-12-02',
        items: 1,
        objects: 1,
        rows: 0,
        entries: 0,
        bytes: 1,
      },
      {
        stage: 'archive-raw',
        target: 'raw/teams',
        action: 'archive',
        cutoff: 'dt < 2026-11-01',
        items: 1,
        objects: 1,
        rows: 0,
        entries: 0,
        bytes: 5,
      },
      {
        stage: 'archive-raw',
        target: 'raw/users',
        action: 'archive',
        cutoff: 'dt < 2026-11-01',
        items: 2,
        objects: 3,
        rows: 0,
        entries: 0,
        bytes: 170,
      },
      {
        stage: 'warehouse',
        target: 'dq_results',
        action: 'delete',
        cutoff: 'day < 2024-12-01',
        items: 1,
        objects: 0,
        rows: 3,
        entries: 0,
        bytes: 300,
      },
    ]);
  });

  it('plans nothing for an empty platform', () => {
    expect(planItems(RETENTION_POLICY, AS_OF, inputs())).toEqual([]);
  });
});
