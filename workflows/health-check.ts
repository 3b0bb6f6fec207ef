import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { z } from 'zod';
import type { HealthActivities } from '../activities/health';
import { Pipeline, Stage } from './search-attributes';
import { parseWorkflowInput } from './input';

export const PLATFORM_HEALTH_PIPELINE = 'platform-health';
export const DEPENDENCIES = ['temporal', 'postgres', 'redis', 'objectStore', 'warehouse'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

export interface DependencyHealth {
  dependency: Dependency;
  ok: boolean;
  latencyMs: number;
  detail: string;
}

export const platformHealthCheckInput = z
  .object({
    /** Subset of dependencies to probe. @default every dependency */
    dependencies: z.array(z.enum(DEPENDENCIES)).min(1).optional(),
  })
  .strict();
export type PlatformHealthCheckInput = z.infer<typeof platformHealthCheckInput>;

export interface PlatformHealthReport {
  ok: boolean;
  checks: DependencyHealth[];
}

/** Probes are quick; a probe that hangs is bounded inside the activity, so no retries beyond a second try. */
const probe = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 2, initialInterval: '1 second' },
} as const;

const { checkDependency } = proxyActivities<HealthActivities>(probe);

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
      const result = await checkDependency.executeWithOptions({ ...probe, summary: `probe ${dependency}` }, [
        dependency,
      ]);
      state.set(dependency, result);
      setCurrentDetails(progressTable(state));
      return result;
    }),
  );
  const ok = checks.every((c) => c.ok);
  upsertSearchAttributes([{ key: Stage, value: ok ? 'healthy' : 'unhealthy' }]);
  return { ok, checks };
}
