import type { Adapters, Probe } from '../adapters/ports';
import type { Dependency, DependencyHealth } from '../workflows/health-contract';

export interface HealthDeps extends Pick<Adapters, 'source' | 'bus' | 'store' | 'warehouse'> {
  /** Probes the Temporal frontend the worker is connected to (system info round-trip). */
  temporal: { ping(): Promise<Probe> };
  /** Bound on each probe so a hung dependency reports unhealthy instead of hanging the check. @default 10000 */
  probeTimeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Health-check activities: one per dependency. A probe failure is a result (ok=false), not an activity failure:
 * the workflow reports every dependency, so one broken store must not hide the state of the others.
 */
export function createHealthActivities(deps: HealthDeps) {
  const timeoutMs = deps.probeTimeoutMs ?? 10_000;
  const probes: Record<Dependency, () => Promise<Probe>> = {
    temporal: () => deps.temporal.ping(),
    postgres: () => deps.source.ping(),
    redis: () => deps.bus.ping(),
    objectStore: () => deps.store.ping(),
    warehouse: () => deps.warehouse.ping(),
  };
  return {
    async checkDependency(dependency: Dependency): Promise<DependencyHealth> {
      const probe = probes[dependency];
      if (!probe) throw new Error(`unknown dependency ${JSON.stringify(dependency)}`);
      const started = performance.now();
      try {
        const { detail } = await withTimeout(probe(), timeoutMs, dependency);
        return { dependency, ok: true, latencyMs: Math.round(performance.now() - started), detail };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { dependency, ok: false, latencyMs: Math.round(performance.now() - started), detail: message };
      }
    },
  };
}

export type HealthActivities = ReturnType<typeof createHealthActivities>;
