import { describe, expect, it } from 'vitest';
import { formatTransformTimings, parseTransformSummary, parseTransformTimings } from '../../activities/transform';

// What jobs/daily_transform.py prints (its Timings.line), before the summary line.
const OUTPUT = [
  'daily_transform: dim_tenants: 2 rows',
  'TRANSFORM_TIMINGS {"python_start":1.9,"jvm_launch":4.1,"session_start":2.7,"manifest":0.03,"read":0.4,' +
    '"plan":3.2,"tables_wall":9.5,"summary_write":0.01,"session_stop":0.4,' +
    '"tables":{"dim_tenants":0.6,"fact_user_activities":4.2,"security_incidents":3.1,"dim_teams":0.5},' +
    '"concurrency":2,"python_total":18.4}',
  'TRANSFORM_SUMMARY {"run_id":"r","logical_date":"2026-11-27","tables":{"dim_tenants":2}}',
].join('\n');

describe('the transform timings line', () => {
  it('is parsed beside the summary and summarised for the stage table, slowest tables first', () => {
    const timings = parseTransformTimings(OUTPUT);
    expect(timings?.tables).toEqual({
      dim_tenants: 0.6,
      fact_user_activities: 4.2,
      security_incidents: 3.1,
      dim_teams: 0.5,
    });
    expect(timings?.jvm_launch).toBe(4.1);
    expect(parseTransformSummary(OUTPUT)).toEqual({ dim_tenants: 2 });
    expect(formatTransformTimings(timings!, 2)).toBe(
      'Spark s: JVM 4.1, python 1.9, session 2.7, read 0.4, plan 3.2, tables 9.5 (4 x2), write summary 0.0, stop 0.4; ' +
        'slowest: fact_user_activities 4.2, security_incidents 3.1',
    );
  });

  it('is optional and never fatal: absent or malformed gives undefined', () => {
    expect(parseTransformTimings('TRANSFORM_SUMMARY {"tables":{}}')).toBeUndefined();
    expect(parseTransformTimings('TRANSFORM_TIMINGS {not json')).toBeUndefined();
    expect(parseTransformTimings('TRANSFORM_TIMINGS {"tables":{"a":-1},"concurrency":2}')).toBeUndefined();
    expect(parseTransformTimings('TRANSFORM_TIMINGS {"tables":{},"concurrency":0}')).toBeUndefined();
  });
});
