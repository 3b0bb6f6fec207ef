import { z } from 'zod';

/**
 * What `platformHealthCheck` and its activity (activities/health.ts) share, and what clients (CLI, tests) read: the
 * dependencies, one probe's result, the input schema and the report. Its own module so neither side imports the
 * other.
 */
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
