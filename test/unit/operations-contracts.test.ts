import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { parseBackfillRequest, progressLine } from '../../cli/backfill';
import { stageResetPoints } from '../../cli/reset-run';
import { userAnalyticsBackfillInput } from '../../workflows/backfill-contract';
import { addDays, dayCount, daysBetween } from '../../workflows/days';
import { pipelineWatchdogInput } from '../../workflows/pipeline-watchdog';
import { dueAt, scheduledPipeline, SCHEDULED_PIPELINES } from '../../workflows/pipelines';
import * as workflows from '../../workflows';
import { WORKFLOW_REGISTRY } from '../../workflows/registry';
import { DAILY_STAGES } from '../../workflows/user-analytics-daily';

const EventType = temporal.api.enums.v1.EventType;

describe('calendar days', () => {
  it('walks ranges across month, year and leap-day boundaries', () => {
    expect(daysBetween('2028-02-27', '2028-03-01')).toEqual(['2028-02-27', '2028-02-28', '2028-02-29', '2028-03-01']);
    expect(daysBetween('2026-12-31', '2027-01-01')).toEqual(['2026-12-31', '2027-01-01']);
    expect(daysBetween('2026-11-02', '2026-11-01')).toEqual([]);
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(dayCount('2026-01-01', '2026-12-31')).toBe(365);
  });
});

describe('SLAs', () => {
  const daily = scheduledPipeline('user-analytics-daily');
  it('puts the daily deadline at 06:00 UTC on D+1 unless configured otherwise', () => {
    expect(daily && dueAt(daily, '2026-11-27').toISOString()).toBe('2026-11-28T06:00:00.000Z');
    expect(daily && dueAt(daily, '2026-11-27', '23:30').toISOString()).toBe('2026-11-28T23:30:00.000Z');
    expect(() => daily && dueAt(daily, '2026-11-27', '6am')).toThrow(/HH:MM/);
  });
  it('declares every scheduled pipeline with a workflow the worker registers', () => {
    for (const p of SCHEDULED_PIPELINES) {
      expect(p.workflowId('2026-11-27')).toBe(`${p.pipeline}:2026-11-27`);
      expect(Object.keys(workflows), p.pipeline).toContain(p.workflowType);
    }
  });
});

describe('workflow registry', () => {
  it('lists every exported workflow once, with a queue the worker serves', () => {
    expect(Object.keys(WORKFLOW_REGISTRY).sort()).toEqual(Object.keys(workflows).sort());
  });
});

describe('backfill input', () => {
  const issues = (raw: unknown) => {
    const parsed = userAnalyticsBackfillInput.safeParse(raw);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('defaults mode, concurrency and dryRun', () => {
    expect(userAnalyticsBackfillInput.parse({ from: '2026-11-01', to: '2026-11-03' })).toEqual({
      from: '2026-11-01',
      to: '2026-11-03',
      mode: 'missing',
      concurrency: 2,
      dryRun: false,
    });
  });
  it.each([
    [{ from: '2026-11-03', to: '2026-11-01' }, "to: 'from' must not be after 'to'"],
    [{ from: '2010-01-01', to: '2026-11-01' }, 'to: at most 3660 days per backfill'],
    [{ from: '2026-11-01', to: '2026-11-02', concurrency: 17 }, 'concurrency'],
    [{ from: '2026-11-01', to: '2026-11-02', concurrency: 0 }, 'concurrency'],
    [{ from: '2026-11-01', to: '2026-11-02', mode: 'some' }, 'mode'],
    [{ from: '2026-02-30', to: '2026-03-02' }, 'from: not a calendar date'],
    [{ from: '2026-11-01', to: '2026-11-02', days: 3 }, 'Unrecognized key'],
  ])('refuses %j', (raw, expected) => {
    expect(issues(raw).join('; ')).toContain(expected);
  });
  it('names every bad field in the CLI error and drops what only the workflow writes', () => {
    expect(() => parseBackfillRequest({ from: 'yesterday', to: '2026-11-01', concurrency: 99 })).toThrow(
      /invalid backfill: from: expected a date as YYYY-MM-DD; concurrency: /,
    );
    expect(parseBackfillRequest({ from: '2026-11-01', to: '2026-11-01' })).not.toHaveProperty('carry');
  });
  it('renders a progress line with counts and an ETA', () => {
    const line = progressLine({
      from: '2026-11-01',
      to: '2026-11-10',
      mode: 'missing',
      dryRun: false,
      concurrency: 2,
      paused: false,
      total: 10,
      succeeded: 5,
      failed: 1,
      skipped: 1,
      wouldRun: 0,
      attached: 0,
      running: ['2026-11-08', '2026-11-09'],
      remaining: 1,
      etaSeconds: 600,
      runs: 1,
      failures: [],
    });
    expect(line).toBe(
      '2026-11-01…2026-11-10 7/10 done (5 ok, 1 failed, 1 skipped), 2 running [2026-11-08 2026-11-09], 1 remaining, ETA 10 min',
    );
  });
});

describe('watchdog input', () => {
  it('accepts the schedule’s arguments and refuses an unknown pipeline', () => {
    expect(pipelineWatchdogInput.parse({})).toEqual({ lookbackDays: 3 });
    expect(pipelineWatchdogInput.safeParse({ pipelines: ['user-analytics-weekly'] }).success).toBe(false);
    expect(pipelineWatchdogInput.safeParse({ lookbackDays: 40 }).success).toBe(false);
  });
});

describe('stage reset points', () => {
  // A committed history of a successful daily run: each stage's reset point must be the WorkflowTaskCompleted event
  // whose commands scheduled the stage's first activity.
  const file = path.join(__dirname, '..', 'histories', 'user-analytics-daily.json');
  const events = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8'))).events ?? [];
  const FIRST_ACTIVITY: Record<string, string> = {
    extract: 'extractTable',
    transform: 'runDailyTransform',
    load: 'ensureWarehouse',
    quality: 'runQualityChecks',
    publish: 'publishReporting',
  };

  it('finds one point per stage, on the task that scheduled its first activity', () => {
    const points = stageResetPoints(events);
    expect(points.map((p) => p.stage)).toEqual([...DAILY_STAGES]);
    for (const point of points) {
      const event = events.find((e) => Number(e.eventId) === point.eventId);
      expect(event?.eventType, point.stage).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      const first = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === FIRST_ACTIVITY[point.stage],
      );
      expect(Number(first?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId), point.stage).toBe(
        point.eventId,
      );
    }
  });
});
