import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { HealthActivities } from '../activities/health';
import { Pipeline, Stage } from './search-attributes';
import {
  DEPENDENCIES,
  PLATFORM_HEALTH_PIPELINE,
  platformHealthCheckInput,
  type Dependency,
  type DependencyHealth,
  type PlatformHealthCheckInput,
  type PlatformHealthReport,
} from './health-contract';
import { parseWorkflowInput } from './input';
import { healthProbeActivity } from './policies';

const { checkDependency } = proxyActivities<HealthActivities>(healthProbeActivity);

function progressTable(checks: Map<Dependency, DependencyHealth | undefined>): string {
  const rows = [...checks].map(([dep, r]) =>
    r
      ? `| ${dep} | ${r.ok ? '✅ ok' : '❌ down'} | ${r.latencyMs} ms | ${r.detail.replace(/\|/g, '\\|')} |`
      : `| ${dep} | ⏳ | | |`,
  );
  return ['| dependency | status | latency | detail |', '|---|---|---|---|', ...rows].join('\n');
}

/** Probes every platform dependency in parallel and reports each one's health and latency. */
export async function platformHealthCheck(rawInput: PlatformHealthCheckInput = {}): Promise<PlatformHealthReport> {
  const input = parseWorkflowInput('platformHealthCheck', platformHealthCheckInput, rawInput ?? {});
  const dependencies = input.dependencies ?? DEPENDENCIES;
  upsertSearchAttributes([
    { key: Pipeline, value: PLATFORM_HEALTH_PIPELINE },
    { key: Stage, value: 'checking' },
  ]);
  const state = new Map<Dependency, DependencyHealth | undefined>(dependencies.map((d) => [d, undefined]));
  setCurrentDetails(progressTable(state));

  const checks = await Promise.all(
    dependencies.map(async (dependency) => {
      const result = await checkDependency.executeWithOptions(
        { ...healthProbeActivity, summary: `probe ${dependency}` },
        [dependency],
      );
      state.set(dependency, result);
      setCurrentDetails(progressTable(state));
      return result;
    }),
  );
  const ok = checks.every((c) => c.ok);
  upsertSearchAttributes([{ key: Stage, value: ok ? 'healthy' : 'unhealthy' }]);
  return { ok, checks };
}
