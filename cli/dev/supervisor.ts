import fs from 'node:fs';
import { type Config } from '../../config';
import { portIsFree, readPidRecord, stopProcess, waitFor } from './process';
import { paths, serviceSpecs, type ServiceSpec } from './services';

export type Say = (line: string) => void;

export interface ServiceStatus {
  name: ServiceSpec['name'];
  /** running: started by `dev up` and healthy; external: healthy but not ours; stopped; unhealthy: ours, not answering. */
  state: 'running' | 'external' | 'stopped' | 'unhealthy';
  pid?: number;
  log: string;
  [key: string]: unknown;
}

export interface PlatformStatus {
  platform: Config['platform'];
  dataDir: string;
  services: Record<ServiceSpec['name'], ServiceStatus>;
  zones: Config['lake']['zones'];
  warehouse: { duckdbPath: string };
}

export class PortTakenError extends Error {
  constructor(service: string, port: number, what: string) {
    super(
      `cannot start ${service}: port ${port} (${what}) is already in use by a process that \`analytics dev up\` did not ` +
        `start. Stop that process, or choose another port with the variable named above (in the environment or .env).`,
    );
    this.name = 'PortTakenError';
  }
}

async function statusOf(spec: ServiceSpec, config: Config): Promise<ServiceStatus> {
  const p = paths(config);
  const rec = readPidRecord(p.pidFile(spec.name));
  const healthy = await spec.healthy().catch(() => false);
  const state = rec ? (healthy ? 'running' : 'unhealthy') : healthy ? 'external' : 'stopped';
  return { name: spec.name, state, pid: rec?.pid, log: p.logFile(spec.name), ...spec.address };
}

export async function status(config: Config): Promise<PlatformStatus> {
  const specs = serviceSpecs(config, paths(config));
  const entries = await Promise.all(specs.map(async (s) => [s.name, await statusOf(s, config)] as const));
  return {
    platform: config.platform,
    dataDir: config.dataDir,
    services: Object.fromEntries(entries) as PlatformStatus['services'],
    zones: config.lake.zones,
    warehouse: { duckdbPath: config.warehouse.duckdbPath },
  };
}

/** Starts what is not running, waits for health; a no-op for services already up. */
export async function up(
  config: Config,
  say: Say = () => undefined,
  /** worker / api: also start the background worker / the HTTP API (opt-in: tests and CI need neither). */
  options: { worker?: boolean; api?: boolean } = {},
): Promise<PlatformStatus> {
  const p = paths(config);
  fs.mkdirSync(p.runDir, { recursive: true });
  fs.mkdirSync(p.logDir, { recursive: true });
  for (const zone of Object.values(config.lake.zones)) fs.mkdirSync(zone, { recursive: true });
  for (const spec of serviceSpecs(config, p, say)) {
    if (spec.name === 'worker' && !options.worker) continue;
    if (spec.name === 'api' && !options.api) continue;
    const rec = readPidRecord(p.pidFile(spec.name));
    if (rec) {
      await waitFor(spec.name, () => spec.healthy(), {
        timeoutMs: spec.startTimeoutMs,
        pid: rec.pid,
        logFile: p.logFile(spec.name),
      });
      say(`${spec.name}: already running (pid ${rec.pid})`);
      await spec.afterStart?.();
      continue;
    }
    for (const { port, what } of spec.ports) {
      if (!(await portIsFree(spec.host, port))) throw new PortTakenError(spec.name, port, what);
    }
    say(`${spec.name}: starting…`);
    const started = Date.now();
    const pid = spec.start();
    await waitFor(spec.name, () => spec.healthy(), {
      timeoutMs: spec.startTimeoutMs,
      pid,
      logFile: p.logFile(spec.name),
    });
    await spec.afterStart?.();
    say(`${spec.name}: healthy in ${((Date.now() - started) / 1000).toFixed(1)}s (pid ${pid})`);
  }
  return status(config);
}

/** Stops the services `dev up` started (by recorded pid) and nothing else. */
export async function down(config: Config, say: Say = () => undefined): Promise<void> {
  const p = paths(config);
  // Reverse order: the worker before Temporal, Temporal before the stores.
  for (const spec of serviceSpecs(config, p).reverse()) {
    const rec = readPidRecord(p.pidFile(spec.name));
    if (!rec) {
      say(`${spec.name}: not running (nothing of ours to stop)`);
      fs.rmSync(p.pidFile(spec.name), { force: true });
      continue;
    }
    await stopProcess(rec.pid, spec.stopSignal);
    fs.rmSync(p.pidFile(spec.name), { force: true });
    say(`${spec.name}: stopped (pid ${rec.pid})`);
  }
}
